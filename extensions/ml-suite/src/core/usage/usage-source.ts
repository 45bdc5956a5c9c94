/**
 * The vocabulary of `ml_usage.source_type` / `ml_usage.source`: where a provider call came from.
 * One small set of names so usage can be grouped and filtered without guessing:
 *
 * | source_type | source                          | example                      |
 * |-------------|---------------------------------|------------------------------|
 * | `route`     | `route:<METHOD> /ml<path>`       | `route:POST /ml/search`      |
 * | `flow`      | `flow:<operation id>`            | `flow:ml-ask`                |
 * | `job`       | `job:<job name>`                 | `job:reindex`                |
 * | `hook`      | `hook:<event>`                   | `hook:items.update`          |
 * | `cli`       | `cli:<command>`                  | `cli:ml:reindex`             |
 *
 * Route paths are the registered patterns (`/ml/related/:index/:item`), never concrete ids, so
 * one route is one source. Job ids are left out: they identify a run, not a source.
 */
export const USAGE_SOURCE_TYPES = ['route', 'flow', 'job', 'hook', 'cli'] as const;
export type UsageSourceType = (typeof USAGE_SOURCE_TYPES)[number];

export interface UsageSource {
	sourceType: UsageSourceType;
	source: string;
}

export const usageSource = {
	route: (method: string, path: string): UsageSource => ({ sourceType: 'route', source: `route:${method.toUpperCase()} /ml${path.startsWith('/') ? path : `/${path}`}` }),
	flow: (operation: string): UsageSource => ({ sourceType: 'flow', source: `flow:${operation}` }),
	job: (name: string): UsageSource => ({ sourceType: 'job', source: `job:${name}` }),
	hook: (event: string): UsageSource => ({ sourceType: 'hook', source: `hook:${event}` }),
	cli: (command: string): UsageSource => ({ sourceType: 'cli', source: `cli:${command}` }),
};

/** Older rows' source types, renamed by the start-up schema step so history groups with new rows. */
export const LEGACY_SOURCE_TYPES: Record<string, UsageSourceType> = { endpoint: 'route', operation: 'flow', system: 'cli' };
