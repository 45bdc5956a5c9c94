import { defineModule } from '@directus/extensions-sdk';
import PlaygroundView from './playground-view.vue';

export default defineModule({
	id: 'ml-playground',
	name: 'ML Playground',
	icon: 'science',
	routes: [{ path: '', component: PlaygroundView }],
});
