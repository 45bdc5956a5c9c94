import { defineSuiteModule } from '../define-suite-module.js';
import PlaygroundView from './playground-view.vue';

export default defineSuiteModule('playground', { icon: 'science', view: PlaygroundView, adminOnly: false });
