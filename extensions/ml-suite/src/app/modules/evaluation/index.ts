import { defineModule } from '@directus/extensions-sdk';
import { moduleName } from '../../i18n/module-name.js';
import EvaluationView from './evaluation-view.vue';

export default defineModule({
	id: 'ml-evaluation',
	// Translated like Directus's own module names: re-read on every change of the app language.
	get name() {
		return moduleName((m) => m.evaluation.title);
	},
	icon: 'leaderboard',
	routes: [{ path: '', component: EvaluationView }],
	// Every /ml/eval route is admin-only, so the module is only registered for admins.
	preRegisterCheck: (user) => user.admin_access === true,
});
