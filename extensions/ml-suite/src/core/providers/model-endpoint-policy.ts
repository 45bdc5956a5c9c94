/**
 * What a `ml_models` row may point at. Whoever can write `ml_models` chooses a key variable and
 * a server; without limits they could have the value of any environment variable (`DB_PASSWORD`,
 * `SECRET`) sent to a server of their choosing. So a row may only name key variables on an
 * allowlist, and its base URL must be http(s) and, when an allowlist of hosts is configured, on it.
 */
export interface ModelEndpointPolicyOptions {
	/**
	 * Variable names a row may name in `api_key_env`; `*` matches any run of A-Z, 0-9 and _.
	 * Default (ML_ALLOWED_KEY_ENVS): `OPENAI_API_KEY` and `ML_*_API_KEY`.
	 */
	allowedKeyEnvs: readonly string[];
	/**
	 * Hosts a row's `base_url` may use (`*.example.com` matches subdomains; `host:port` pins a
	 * port). Empty = any host (ML_ALLOWED_BASE_URL_HOSTS unset).
	 */
	allowedHosts: readonly string[];
}

export const DEFAULT_ALLOWED_KEY_ENVS = ['OPENAI_API_KEY', 'ML_*_API_KEY'] as const;

const ENV_NAME = /^[A-Z_][A-Z0-9_]*$/;

export class ModelEndpointPolicy {
	private readonly keyPatterns: RegExp[];
	private readonly hostPatterns: { host: RegExp; port: string | null }[];

	constructor(readonly options: ModelEndpointPolicyOptions) {
		this.keyPatterns = options.allowedKeyEnvs.map((entry) => new RegExp(`^${escape(entry.trim()).replace(/\\\*/g, '[A-Z0-9_]*')}$`));
		this.hostPatterns = options.allowedHosts.map((entry) => {
			const [host = '', port = null] = entry.trim().toLowerCase().split(':');
			return { host: new RegExp(`^${escape(host).replace(/^\\\*\\\./, '(?:[a-z0-9-]+\\.)+')}$`), port };
		});
	}

	/** Why `name` may not be used as a key variable, or null when it may. */
	keyEnvProblem(name: string): string | null {
		if (!ENV_NAME.test(name)) return `"${name}" is not an environment variable name (A-Z, 0-9 and _, not starting with a digit)`;
		if (this.keyPatterns.some((pattern) => pattern.test(name))) return null;
		return `the key variable "${name}" is not allowed; allowed: ${this.options.allowedKeyEnvs.join(', ')} (set ML_ALLOWED_KEY_ENVS to change)`;
	}

	/** Why `value` may not be used as a base URL, or null when it may. */
	baseUrlProblem(value: string): string | null {
		let url: URL;
		try {
			url = new URL(value);
		} catch {
			return `base_url "${value}" is not a URL`;
		}
		if (url.protocol !== 'http:' && url.protocol !== 'https:') return `base_url must use http or https, not "${url.protocol.replace(/:$/, '')}"`;
		if (url.username || url.password) return 'base_url must not carry credentials; name a key variable in api_key_env instead';
		if (this.hostPatterns.length === 0) return null;
		const host = url.hostname.toLowerCase();
		const port = url.port || null;
		if (this.hostPatterns.some((p) => p.host.test(host) && (p.port === null || p.port === port))) return null;
		return `base_url host "${url.host}" is not allowed; allowed: ${this.options.allowedHosts.join(', ')} (set ML_ALLOWED_BASE_URL_HOSTS to change)`;
	}

	/** Problems of a (partial) `ml_models` payload, empty when it may be saved. */
	rowProblems(row: { api_key_env?: unknown; base_url?: unknown }): string[] {
		const problems: string[] = [];
		if (typeof row.api_key_env === 'string' && row.api_key_env.trim() !== '') {
			const problem = this.keyEnvProblem(row.api_key_env.trim());
			if (problem) problems.push(problem);
		} else if (row.api_key_env !== undefined && row.api_key_env !== null && row.api_key_env !== '') {
			problems.push('api_key_env must be a string');
		}
		if (typeof row.base_url === 'string' && row.base_url.trim() !== '') {
			const problem = this.baseUrlProblem(row.base_url.trim());
			if (problem) problems.push(problem);
		} else if (row.base_url !== undefined && row.base_url !== null && row.base_url !== '') {
			problems.push('base_url must be a string');
		}
		return problems;
	}
}

function escape(text: string): string {
	return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}
