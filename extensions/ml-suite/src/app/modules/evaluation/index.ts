import { defineSuiteModule } from '../define-suite-module.js';
import EvaluationView from './evaluation-view.vue';

export default defineSuiteModule('evaluation', { icon: 'leaderboard', view: EvaluationView, adminOnly: true });
