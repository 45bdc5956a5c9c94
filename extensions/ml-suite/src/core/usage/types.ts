import type { UsageSourceType } from './usage-source.js';

/** One provider call, as recorded in `ml_usage`. */
export interface UsageEvent {
	timestamp: Date;
	/** Directus user id, or null for system work (hooks, jobs). */
	user: string | null;
	/** Where the call came from, in the vocabulary of `usage-source.ts` (`route`, `flow`, `job`, `hook`, `cli`). */
	sourceType: UsageSourceType;
	/** `<sourceType>:<name>`, e.g. `route:POST /ml/search`, `flow:ml-ask`, `job:reindex`. */
	source: string;
	capability: 'embedding' | 'chat' | 'transcription' | 'analysis' | 'classification' | 'rerank';
	provider: string;
	model: string;
	collection: string | null;
	item: string | null;
	inputTokens: number;
	outputTokens: number;
	/** Seconds of audio sent (transcription); what transcription is priced by. */
	audioSeconds?: number;
	/** USD, from the model's prices. */
	cost: number;
	latencyMs: number;
	/** `cancelled`: the caller stopped it (e.g. Stop in the Playground); not a fault. */
	status: 'success' | 'error' | 'cancelled';
	errorCode: string | null;
	cacheHit: boolean;
}

/** Who/where a provider call is made for. Threaded from handlers down to the recorder. */
export interface CallOrigin {
	user: string | null;
	sourceType: UsageEvent['sourceType'];
	source: string;
	collection?: string | null;
	item?: string | null;
}

export interface UsageRecorder {
	/** Queues an event; written in batches off the request path. Never throws. */
	record(event: UsageEvent): void;
	/** Writes everything queued. */
	flush(): Promise<void>;
	close(): Promise<void>;
}
