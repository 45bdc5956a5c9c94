import { tr } from '../../i18n/localized-definition.js';
import { defineSuiteOperationApp, overviewOf } from '../define-suite-operation-app.js';
import { modeOption, registryOption, toggleOption } from '../shared-options.js';

export default defineSuiteOperationApp({
	id: 'ml-evaluate-search',
	name: 'Evaluate search',
	icon: 'leaderboard',
	description: 'Run a relevance evaluation set through search (nDCG@10, Recall@k, MRR) and pass on the metrics. Administrators only.',
	overview: ({ set, index, mode, wait }) => [
		overviewOf.value('Set', set),
		{ label: 'Index', text: index ? String(index) : tr("The set's index") },
		overviewOf.mode(mode),
		{ label: 'Run', text: wait === false ? 'Queued' : tr('Wait for metrics') },
	],
	options: [
		{
			field: 'set',
			name: 'Evaluation set',
			type: 'string',
			meta: { width: 'half', interface: 'input', required: true, options: { placeholder: 'demo-articles' }, note: 'Name of an evaluation set (ML Evaluation module, ml_eval_sets).' },
		},
		registryOption('index', 'Index', 'indexes', { note: "Empty: the index the set belongs to." }),
		modeOption('Mode', 'hybrid'),
		{
			field: 'limit',
			name: 'Results per query (k)',
			type: 'integer',
			meta: { width: 'half', interface: 'input', options: { min: 10, max: 100 }, note: 'Recall@k and MRR@k use this depth (10–100); nDCG is at 10. Default 100.' },
			schema: { default_value: 100 },
		},
		registryOption('model', 'Embedding model', 'models', { task: 'embedding', note: "Empty: the index's own model. Another model is evaluated on vectors built for the run." }),
		{
			field: 'reranker',
			name: 'Reranker',
			type: 'string',
			meta: { width: 'half', interface: 'input', options: { placeholder: 'None' }, note: 'Name of a configured reranker. Empty: none.' },
		},
		toggleOption('wait', 'Wait', 'Wait for the metrics', { note: 'Off: queue the run and continue at once (the result carries the run id).', defaultValue: true }),
		{
			field: 'timeoutSeconds',
			name: 'Longest wait (s)',
			type: 'integer',
			meta: { width: 'half', interface: 'input', options: { min: 1, max: 3600 }, note: 'When reached, the operation continues with timedOut: true; the run goes on.' },
			schema: { default_value: 600 },
		},
	],
});
