export type RegistrySource = 'indexes' | 'models' | 'prompts';

export interface RegistryChoice {
	text: string;
	value: string;
}

/** The `/items` request that lists a registry (active rows only; models of one task). */
export function registryRequest(source: RegistrySource, task?: string | null): { path: string; params: Record<string, unknown> } {
	switch (source) {
		case 'indexes':
			return { path: '/items/ml_indexes', params: { fields: ['name', 'label', 'collection'], filter: { status: { _eq: 'active' } }, sort: ['name'], limit: -1 } };
		case 'models':
			return {
				path: '/items/ml_models',
				params: { fields: ['name', 'model_id', 'provider', 'is_default'], filter: { _and: [{ status: { _eq: 'active' } }, ...(task ? [{ task: { _eq: task } }] : [])] }, sort: ['-is_default', 'name'], limit: -1 },
			};
		case 'prompts':
			return { path: '/items/ml_prompts', params: { fields: ['name', 'version', 'task'], filter: { status: { _eq: 'active' } }, sort: ['name', '-version'], limit: -1 } };
	}
}

/** Rows as dropdown choices; prompts appear once per name (the highest active version is used). */
export function registryChoices(source: RegistrySource, rows: Record<string, unknown>[]): RegistryChoice[] {
	const str = (v: unknown): string => (v === null || v === undefined ? '' : String(v));
	switch (source) {
		case 'indexes':
			return rows.map((r) => ({ value: str(r.name), text: `${str(r.label) || str(r.name)} (${str(r.name)} · ${str(r.collection)})` }));
		case 'models':
			return rows.map((r) => ({ value: str(r.model_id), text: `${str(r.name)} (${str(r.provider)}/${str(r.model_id)})${r.is_default === true || r.is_default === 1 ? ' · default' : ''}` }));
		case 'prompts': {
			const seen = new Set<string>();
			const choices: RegistryChoice[] = [];
			for (const r of rows) {
				const name = str(r.name);
				if (seen.has(name)) continue;
				seen.add(name);
				choices.push({ value: name, text: `${name} (v${str(r.version)}, ${str(r.task)})` });
			}
			return choices;
		}
	}
}
