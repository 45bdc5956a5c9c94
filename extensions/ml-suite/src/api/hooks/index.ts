import { defineHook } from '@directus/extensions-sdk';
import { getContainer } from '../container.js';
import { applySuiteSchema } from '../schema/apply-suite-schema.js';

export default defineHook(({ init, action }, context) => {
	init('app.after', async () => {
		const container = await getContainer(context);
		await applySuiteSchema(container);
	});

	action('server.stop', async () => {
		const container = await getContainer(context);
		await container.close();
	});
});
