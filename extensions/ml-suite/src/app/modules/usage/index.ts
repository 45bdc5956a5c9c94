import { defineSuiteModule } from '../define-suite-module.js';
import UsageView from './usage-view.vue';

// Every signed-in user may open it: /ml/usage shows administrators every call and anyone else their own.
export default defineSuiteModule('usage', { icon: 'monitoring', view: UsageView, adminOnly: false });
