import { defineModule } from '@directus/extensions-sdk';
import { moduleName } from '../../i18n/module-name.js';
import ModelForm from './model-form.vue';
import ModelList from './model-list.vue';

export default defineModule({
	id: 'ml-models',
	// Translated like Directus's own module names: re-read on every change of the app language.
	get name() {
		return moduleName((m) => m.models.title);
	},
	icon: 'model_training',
	routes: [
		{ path: '', component: ModelList },
		{ path: ':id', component: ModelForm, props: true },
	],
	// Every /ml/models route is admin-only, so the module is only registered for admins.
	preRegisterCheck: (user) => user.admin_access === true,
});
