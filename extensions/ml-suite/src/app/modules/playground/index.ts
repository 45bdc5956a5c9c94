import { defineModule } from '@directus/extensions-sdk';
import { moduleName } from '../../i18n/module-name.js';
import PlaygroundView from './playground-view.vue';

export default defineModule({
	id: 'ml-playground',
	// Translated like Directus's own module names: re-read on every change of the app language.
	get name() {
		return moduleName((m) => m.playground.title);
	},
	icon: 'science',
	routes: [{ path: '', component: PlaygroundView }],
});
