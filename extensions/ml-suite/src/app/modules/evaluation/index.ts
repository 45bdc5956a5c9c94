import { defineModule } from '@directus/extensions-sdk';
import EvaluationView from './evaluation-view.vue';

export default defineModule({
	id: 'ml-evaluation',
	name: 'ML Evaluation',
	icon: 'leaderboard',
	routes: [{ path: '', component: EvaluationView }],
	// Every /ml/eval route is admin-only, so the module is only registered for admins.
	preRegisterCheck: (user) => user.admin_access === true,
});
