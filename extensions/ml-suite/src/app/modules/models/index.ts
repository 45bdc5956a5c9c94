import { defineModule } from '@directus/extensions-sdk';
import ModelForm from './model-form.vue';
import ModelList from './model-list.vue';

export default defineModule({
	id: 'ml-models',
	name: 'ML Models',
	icon: 'model_training',
	routes: [
		{ path: '', component: ModelList },
		{ path: ':id', component: ModelForm, props: true },
	],
	// Every /ml/models route is admin-only, so the module is only registered for admins.
	preRegisterCheck: (user) => user.admin_access === true,
});
