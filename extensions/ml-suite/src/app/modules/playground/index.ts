import { defineSuiteModule } from '../define-suite-module.js';
import PlaygroundView from './playground-view.vue';

export default defineSuiteModule({
	id: 'ml-playground',
	title: (m) => m.playground.title,
	icon: 'science',
	routes: [{ path: '', component: PlaygroundView }],
	adminOnly: false,
});
