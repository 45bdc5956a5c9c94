import { defineEndpoint } from '@directus/extensions-sdk';
import { getContainer } from '../container.js';
import { registerHealthRoutes } from './health-routes.js';

export default defineEndpoint({
	id: 'ml',
	handler: (router, context) => {
		const container = () => getContainer(context);
		registerHealthRoutes(router, container);
	},
});
