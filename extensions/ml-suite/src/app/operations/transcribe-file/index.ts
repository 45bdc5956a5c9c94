import { defineSuiteOperationApp, overviewOf } from '../define-suite-operation-app.js';
import { registryOption, toggleOption } from '../shared-options.js';

export default defineSuiteOperationApp({
	id: 'ml-transcribe-file',
	name: 'Transcribe file',
	icon: 'subtitles',
	description: 'Transcribe an audio or video file of the file library into a timed transcript (ml_transcripts), now or through the queue.',
	overview: ({ file, wait }) => [
		overviewOf.value('File', file),
		overviewOf.run(wait),
	],
	options: [
		{
			field: 'file',
			name: 'File',
			type: 'string',
			meta: { width: 'full', interface: 'input', required: true, options: { placeholder: '{{$trigger.key}}' }, note: 'The id of a file in the file library, e.g. {{$trigger.key}} from a files.upload event.' },
		},
		{
			field: 'language',
			name: 'Language',
			type: 'string',
			meta: { width: 'half', interface: 'input', options: { placeholder: 'en' }, note: 'ISO-639-1 code; empty: detected by the model.' },
		},
		registryOption('model', 'Model', 'models', { task: 'transcription', note: 'Empty: the default transcription model.' }),
		toggleOption('wait', 'Wait', 'Transcribe now and return the transcript', { note: 'Off: queue a job and continue at once.', defaultValue: false }),
	],
});
