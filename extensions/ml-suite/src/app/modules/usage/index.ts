import { defineModule } from '@directus/extensions-sdk';
import { moduleName } from '../../i18n/module-name.js';
import UsageView from './usage-view.vue';

export default defineModule({
	id: 'ml-usage',
	// Translated like Directus's own module names: re-read on every change of the app language.
	get name() {
		return moduleName((m) => m.usage.title);
	},
	icon: 'monitoring',
	routes: [{ path: '', component: UsageView }],
	// Every signed-in user may open it: /ml/usage shows administrators every call and anyone else their own.
});
