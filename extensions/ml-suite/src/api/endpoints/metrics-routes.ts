import type { Router } from 'express';
import type { Container } from '../container.js';
import { route } from '../http.js';

type Labels = Record<string, string>;

/** Prometheus text exposition, built from samples grouped by metric name. */
class Exposition {
	private readonly metrics = new Map<string, { help: string; type: 'gauge' | 'counter'; samples: { labels: Labels; value: number }[] }>();

	add(name: string, help: string, type: 'gauge' | 'counter', labels: Labels, value: number): void {
		let metric = this.metrics.get(name);
		if (!metric) {
			metric = { help, type, samples: [] };
			this.metrics.set(name, metric);
		}
		metric.samples.push({ labels, value });
	}

	toString(): string {
		const lines: string[] = [];
		for (const [name, metric] of this.metrics) {
			lines.push(`# HELP ${name} ${metric.help}`, `# TYPE ${name} ${metric.type}`);
			for (const { labels, value } of metric.samples) {
				const rendered = Object.entries(labels)
					.map(([key, v]) => `${key}="${v.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, '\\n')}"`)
					.join(',');
				lines.push(`${name}${rendered ? `{${rendered}}` : ''} ${Number.isFinite(value) ? value : 0}`);
			}
		}
		return `${lines.join('\n')}\n`;
	}
}

/** `GET /ml/metrics`: queue, index and usage figures in Prometheus text format (admin: usage spans all users). */
export function registerMetricsRoute(router: Router, getContainer: () => Promise<Container>): void {
	route(router, 'get', '/metrics', { access: 'admin', summary: 'Prometheus metrics (queues, indexes, provider usage)', servedWhileLocked: true }, async (_req, container, res) => {
		const out = new Exposition();
		const overview = await container.queueWiring.admin.listQueues();
		for (const queue of overview.queues) {
			for (const [state, count] of Object.entries(queue.counts)) {
				out.add('ml_queue_jobs', 'Jobs per queue and state.', 'gauge', { queue: queue.queue, state, backend: overview.backend }, count);
			}
			out.add('ml_queue_paused', '1 when the queue is paused.', 'gauge', { queue: queue.queue }, queue.paused ? 1 : 0);
		}
		out.add('ml_queue_dead_letters', 'Jobs in the dead-letter list.', 'gauge', {}, overview.deadLetters);

		for (const index of await container.indexes.list()) {
			const counts = await container.indexing.documents.countByStatus(index.id);
			for (const [status, count] of Object.entries(counts)) out.add('ml_index_documents', 'Indexed items per index and status.', 'gauge', { index: index.name, status }, count);
			out.add('ml_index_chunks', 'Chunks (vectors) per index.', 'gauge', { index: index.name }, await container.indexing.documents.totalChunks(index.id));
		}

		const usage: { capability: string; provider: string; model: string; status: string; calls: number | string; input: number | string | null; output: number | string | null; cost: number | string | null; latency: number | string | null }[] =
			await container.host
				.database('ml_usage')
				.select('capability', 'provider', 'model', 'status')
				.count({ calls: '*' })
				.sum({ input: 'input_tokens', output: 'output_tokens', cost: 'cost', latency: 'latency_ms' })
				.groupBy('capability', 'provider', 'model', 'status');
		for (const row of usage) {
			const labels = { capability: row.capability, provider: row.provider, model: row.model, status: row.status };
			out.add('ml_provider_calls_total', 'Provider calls recorded in ml_usage.', 'counter', labels, Number(row.calls));
			out.add('ml_provider_tokens_total', 'Tokens recorded in ml_usage.', 'counter', { ...labels, direction: 'input' }, Number(row.input ?? 0));
			out.add('ml_provider_tokens_total', 'Tokens recorded in ml_usage.', 'counter', { ...labels, direction: 'output' }, Number(row.output ?? 0));
			out.add('ml_provider_cost_usd_total', 'Cost in USD from the model prices.', 'counter', labels, Number(row.cost ?? 0));
			out.add('ml_provider_latency_ms_total', 'Sum of provider call latencies.', 'counter', labels, Number(row.latency ?? 0));
		}
		out.add('ml_usage_buffered_events', 'Usage events waiting to be written.', 'gauge', {}, container.usage.pending);

		res.status(200).type('text/plain; version=0.0.4; charset=utf-8').send(out.toString() + (await container.usageMetrics.text()));
		return undefined;
	}, getContainer);
}
