import { InvalidPayloadError } from '../errors.js';
import type { IndexDefinition } from '../indexing/index-definition.js';
import type { CallOrigin, UsageEvent } from '../usage/types.js';
import type { Reranker } from './reranker.js';
import type { SearchRequest } from './search-service.js';
import { callUsageEvent } from '../usage/usage-event.js';

export interface RerankPolicyOptions {
	/** The configured reranker (ML_RERANK_*), or null. */
	reranker: Reranker | null;
	/** Index names reranked when a request does not say (ML_RERANK_INDEXES, comma-separated; `*` for all). */
	indexes: string;
	/** Hits the reranker sees (ML_RERANK_DEPTH). */
	depth: number;
	/** Records each rerank call as usage; must not throw. */
	record(event: UsageEvent): void;
}

/** Decides, per search, whether the rerank stage runs, and records its calls. */
export class RerankPolicy {
	readonly reranker: Reranker | null;
	private readonly indexes: ReadonlySet<string>;

	constructor(private readonly options: RerankPolicyOptions) {
		this.reranker = options.reranker;
		this.indexes = new Set(
			options.indexes
				.split(',')
				.map((s) => s.trim())
				.filter(Boolean),
		);
	}

	/**
	 * The rerank stage for a search over `indexes`: on when the request asks (`true`), or when it
	 * does not say and every index is listed in ML_RERANK_INDEXES. Usage is recorded. Asking for
	 * reranking with none configured is a 400.
	 */
	forSearch(list: IndexDefinition[], requested: boolean | undefined, origin: CallOrigin): SearchRequest['rerank'] {
		const reranker = this.reranker;
		const wanted = requested ?? (reranker !== null && list.length > 0 && list.every((i) => this.indexes.has('*') || this.indexes.has(i.name)));
		if (!wanted) return undefined;
		if (!reranker) throw new InvalidPayloadError('No reranker is configured: set ML_RERANK_BASE_URL and ML_RERANK_MODEL.', { field: 'rerank' });
		return {
			reranker,
			depth: this.options.depth,
			onCall: ({ response, error }) =>
				this.options.record(
					callUsageEvent(origin, {
						capability: 'rerank',
						provider: reranker.provider,
						model: reranker.modelId,
						collection: list.length === 1 ? list[0]!.collection : null,
						item: null,
						inputTokens: response?.usage.inputTokens ?? 0,
						latencyMs: response?.usage.latencyMs ?? 0,
						...(error ? { status: 'error', errorCode: (error as { code?: string }).code ?? 'RERANK_FAILED' } : {}),
					}),
				),
		};
	}
}
