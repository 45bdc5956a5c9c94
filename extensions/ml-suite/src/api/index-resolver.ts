import type { Accountability, SchemaOverview } from '@directus/types';
import type { IndexDefinition } from '../core/indexing/index-definition.js';
import type { CallerAccess } from '../core/search/caller-access.js';
import { assertIndexesFound } from '../core/search/search-service.js';
import { collectionInactiveError } from './directus-runtime.js';

/** What a caller may read, for one request; also which readable collections Directus reports inactive. */
export type RequestAccess = CallerAccess & { readonly inactive: ReadonlySet<string> };

export interface IndexResolverDeps<Access extends RequestAccess> {
	/** The active search indexes (cached by the repository). */
	indexes: { active(): Promise<IndexDefinition[]> };
	/** A caller's access for one request; `schema` is the request's own when there is one. */
	access(accountability: Accountability, schema?: SchemaOverview): Access;
}

/** Which search indexes a caller may use, answered as Directus answers for collections. */
export class IndexResolver<Access extends RequestAccess = RequestAccess> {
	constructor(private readonly deps: IndexResolverDeps<Access>) {}

	/** What the caller may read. Pass the request's schema when there is one (loading another deep-copies it). */
	callerAccess(accountability: Accountability, schema?: SchemaOverview): Access {
		return this.deps.access(accountability, schema);
	}

	/**
	 * Active indexes the caller can read: those named (403 "does not exist or you cannot read it" otherwise), or all.
	 * Pass the request's `access` when it also searches, so what the caller may read is asked once.
	 */
	async resolve(accountability: Accountability, names?: string[], schema?: SchemaOverview, access: Access = this.callerAccess(accountability, schema)): Promise<IndexDefinition[]> {
		const all = await this.deps.indexes.active();
		const usable: IndexDefinition[] = [];
		for (const index of names ? all.filter((i) => names.includes(i.name)) : all) if (await access.canRead(index.collection)) usable.push(index);
		// Directus tells only callers with access that a collection is inactive; so may we.
		const inactive = names ? all.find((i) => names.includes(i.name) && access.inactive.has(i.collection)) : undefined;
		if (inactive) throw collectionInactiveError(inactive.collection, `searching index "${inactive.name}"`);
		// A named index that is unknown, inactive or over a collection the caller cannot read gets
		// the same answer, as Directus gives for collections.
		if (names) assertIndexesFound(names, usable);
		return usable;
	}
}
