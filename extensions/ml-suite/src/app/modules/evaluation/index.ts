import { defineSuiteModule } from '../define-suite-module.js';
import EvaluationView from './evaluation-view.vue';

export default defineSuiteModule({
	id: 'ml-evaluation',
	title: (m) => m.evaluation.title,
	icon: 'leaderboard',
	routes: [{ path: '', component: EvaluationView }],
	adminOnly: true,
});
