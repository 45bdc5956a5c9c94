import { defineModule } from '@directus/extensions-sdk';
import QueueView from './queue-view.vue';

export default defineModule({
	id: 'ml-queue',
	name: 'ML Queue',
	icon: 'queue',
	routes: [{ path: '', component: QueueView }],
	// Every /ml/queues route is admin-only, so the module is only registered for admins.
	preRegisterCheck: (user) => user.admin_access === true,
});
