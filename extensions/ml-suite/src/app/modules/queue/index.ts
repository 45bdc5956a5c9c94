import { defineSuiteModule } from '../define-suite-module.js';
import QueueView from './queue-view.vue';

export default defineSuiteModule('queue', { icon: 'queue', view: QueueView, adminOnly: true });
