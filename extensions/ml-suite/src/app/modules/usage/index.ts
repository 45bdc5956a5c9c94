import { defineModule } from '@directus/extensions-sdk';
import UsageView from './usage-view.vue';

export default defineModule({
	id: 'ml-usage',
	name: 'ML Usage',
	icon: 'monitoring',
	routes: [{ path: '', component: UsageView }],
	// Every signed-in user may open it: /ml/usage shows administrators every call and anyone else their own.
});
