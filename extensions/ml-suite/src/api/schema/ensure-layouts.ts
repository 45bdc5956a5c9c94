import type { HostContext } from '../container-types.js';
import type { LayoutDef } from './field-builders.js';
import { systemAdmin } from './ensure-schema.js';

/**
 * Creates the global default layout (a `directus_presets` row with no user, role or bookmark)
 * of each collection that exists and has none yet. A layout an admin saved is never touched.
 * Returns the collections that got one.
 */
export async function ensureLayouts(host: HostContext, layouts: LayoutDef[]): Promise<string[]> {
	const schema = await host.getSchema({ bypassCache: true });
	const presets = new host.services.PresetsService({ accountability: systemAdmin(), schema, knex: host.database });
	const created: string[] = [];
	for (const layout of layouts) {
		const info = schema.collections[layout.collection];
		if (!info) continue;
		const existing = await presets.readByQuery({
			filter: { _and: [{ collection: { _eq: layout.collection } }, { user: { _null: true } }, { role: { _null: true } }, { bookmark: { _null: true } }] },
			limit: 1,
		});
		if (existing.length > 0) continue;
		// A column that is not (or no longer) in the collection would show as an empty header.
		const fields = layout.fields.filter((field) => info.fields[field]);
		const sort = layout.sort.filter((key) => info.fields[key.replace(/^-/, '')]);
		await presets.createOne({
			collection: layout.collection,
			layout: 'tabular',
			layout_query: { tabular: { fields, sort, page: 1 } },
			layout_options: { tabular: { widths: layout.widths ?? {}, spacing: 'cozy' } },
		});
		created.push(layout.collection);
	}
	return created;
}
