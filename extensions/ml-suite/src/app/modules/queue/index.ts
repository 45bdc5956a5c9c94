import { defineSuiteModule } from '../define-suite-module.js';
import QueueView from './queue-view.vue';

export default defineSuiteModule({
	id: 'ml-queue',
	title: (m) => m.queue.title,
	icon: 'queue',
	routes: [{ path: '', component: QueueView }],
	adminOnly: true,
});
