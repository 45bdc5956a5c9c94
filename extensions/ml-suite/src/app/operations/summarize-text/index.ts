import { tr } from '../../i18n/localized-definition.js';
import { defineSuiteOperationApp } from '../define-suite-operation-app.js';
import { engineOptions, textOption } from '../shared-options.js';

export default defineSuiteOperationApp({
	id: 'ml-summarize-text',
	name: 'Summarize',
	icon: 'short_text',
	description: 'A summary and key points of a text. {{$last.summary}} feeds the next operation.',
	overview: ({ maxLength }) => [{ label: 'Length', text: maxLength ? `${String(maxLength)} ${tr('words')}` : `100 ${tr('words')}` }],
	options: [
		textOption(),
		{ field: 'maxLength', name: 'Length (words)', type: 'integer', meta: { width: 'half', interface: 'input', options: { min: 5, placeholder: '100' } } },
		...engineOptions(),
	],
});
