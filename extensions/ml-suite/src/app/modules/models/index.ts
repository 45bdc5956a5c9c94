import { defineSuiteModule } from '../define-suite-module.js';
import ModelForm from './model-form.vue';
import ModelList from './model-list.vue';

export default defineSuiteModule('models', {
	icon: 'model_training',
	routes: [
		{ path: '', component: ModelList },
		{ path: ':id', component: ModelForm, props: true },
	],
	adminOnly: true,
});
