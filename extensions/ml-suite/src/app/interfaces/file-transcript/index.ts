import { defineInterface } from '@directus/extensions-sdk';
import { localizedDefinition } from '../../i18n/localized-definition.js';
import FileTranscript from './file-transcript.vue';

/**
 * In a file's detail view (a presentation field of directus_files): the file's transcript with
 * timed segments; clicking a segment plays the audio or video from there; SRT/VTT downloads;
 * transcribe / retry.
 */
export default defineInterface(
	localizedDefinition({
		id: 'ml-file-transcript',
		name: 'Transcript',
		icon: 'subtitles',
		description: 'Timed transcript of an audio or video file, with playback from any segment and SRT/VTT downloads.',
		component: FileTranscript,
		types: ['alias'],
		localTypes: ['presentation'],
		group: 'presentation',
		options: [],
	}),
);
