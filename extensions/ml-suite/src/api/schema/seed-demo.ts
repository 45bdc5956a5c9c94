import demo from '../../../../../snapshots/demo-content.json' with { type: 'json' };
import type { Container } from '../container.js';

/**
 * Inserts the demo articles and tasks through ItemsService, so the suite's hooks see them like
 * any other content.
 */
export async function seedDemoContent(container: Container): Promise<{ articles: number; tasks: number }> {
	const { services, getSchema, database } = container.host;
	const schema = await getSchema({ bypassCache: true });
	const articles = new services.ItemsService('articles', { schema, knex: database, accountability: null });
	const tasks = new services.ItemsService('tasks', { schema, knex: database, accountability: null });
	await articles.createMany(demo.articles);
	await tasks.createMany(demo.tasks);
	return { articles: demo.articles.length, tasks: demo.tasks.length };
}
