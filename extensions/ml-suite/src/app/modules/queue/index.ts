import { defineModule } from '@directus/extensions-sdk';
import { moduleName } from '../../i18n/module-name.js';
import QueueView from './queue-view.vue';

export default defineModule({
	id: 'ml-queue',
	// Translated like Directus's own module names: re-read on every change of the app language.
	get name() {
		return moduleName((m) => m.queue.title);
	},
	icon: 'queue',
	routes: [{ path: '', component: QueueView }],
	// Every /ml/queues route is admin-only, so the module is only registered for admins.
	preRegisterCheck: (user) => user.admin_access === true,
});
