import type { Accountability } from '@directus/types';
import { MlError } from '../../core/errors.js';
import type { HostContext } from '../container-types.js';
import { collectionToCreate, fieldToCreate, relationToCreate, type CollectionDef, type RelationDef } from './field-builders.js';

/** Admin accountability for system work (schema changes need an admin, not `null`). */
export function systemAdmin(): Accountability {
	return { user: null, role: null, roles: [], admin: true, app: false, ip: null };
}

export interface EnsureResult {
	createdCollections: string[];
	createdFields: string[];
	createdRelations: string[];
}

/**
 * Creates whatever is missing of the given collections, fields and relations. Idempotent, and
 * additive only: it never changes or removes what an admin customised in the data model.
 */
export async function ensureSchema(
	host: HostContext,
	collections: CollectionDef[],
	relations: RelationDef[],
	tableIndexes: { table: string; columns: string[]; unique: boolean; name: string }[] = [],
): Promise<EnsureResult> {
	const { CollectionsService, FieldsService, RelationsService } = host.services;
	const result: EnsureResult = { createdCollections: [], createdFields: [], createdRelations: [] };
	const accountability = systemAdmin();

	let schema = await host.getSchema({ bypassCache: true });
	const collectionsService = new CollectionsService({ accountability, schema, knex: host.database });
	const existing = new Set<string>((await collectionsService.readByQuery()).map((c: { collection: string }) => c.collection));

	for (const def of collections) {
		if (!existing.has(def.collection)) {
			try {
				await collectionsService.createOne(collectionToCreate(def));
			} catch (error) {
				if ((error as { code?: string }).code !== 'LIMIT_EXCEEDED') throw error;
				const missing = collections.filter((c) => c.schema && !existing.has(c.collection) && !result.createdCollections.includes(c.collection)).map((c) => c.collection);
				throw new MlError(
					`Directus refused to create the collection "${def.collection}": ${(error as Error).message} The plan's collection limit is reached (Directus 12 without a license key allows 25). ` +
						`Still missing: ${missing.join(', ')}. Free collections (delete or deactivate unused ones in Settings → Data Model) or add a license key, then restart Directus.`,
					{ code: 'LIMIT_EXCEEDED', status: 403, cause: error, details: { missing } },
				);
			}
			result.createdCollections.push(def.collection);
			continue;
		}
		if (!def.schema) continue;
		const fieldsService = new FieldsService({ accountability, schema: await host.getSchema({ bypassCache: true }), knex: host.database });
		const present = new Set<string>((await fieldsService.readAll(def.collection)).map((f: { field: string }) => f.field));
		for (const field of def.fields) {
			if (present.has(field.field)) continue;
			await fieldsService.createField(def.collection, fieldToCreate(field));
			result.createdFields.push(`${def.collection}.${field.field}`);
		}
	}

	schema = await host.getSchema({ bypassCache: true });
	const relationsService = new RelationsService({ accountability, schema, knex: host.database });
	for (const relation of relations) {
		const known = schema.relations.some((r) => r.collection === relation.collection && r.field === relation.field);
		if (known) continue;
		await relationsService.createOne(relationToCreate(relation));
		result.createdRelations.push(`${relation.collection}.${relation.field}`);
	}

	for (const index of tableIndexes) {
		const columns = index.columns.map(() => '??').join(', ');
		await host.database.raw(`CREATE ${index.unique ? 'UNIQUE ' : ''}INDEX IF NOT EXISTS ?? ON ?? (${columns})`, [index.name, index.table, ...index.columns]);
	}
	return result;
}
