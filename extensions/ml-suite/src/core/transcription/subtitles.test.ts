import { describe, expect, it } from 'vitest';
import { formatTimestamp, toPlainText, toSrt, toVtt } from './subtitles.js';

const segments = [
	{ start: 0, end: 2.5, text: 'Hello there.' },
	{ start: 3661.042, end: 3663.9, text: 'An hour <later> & on\n\ntwo lines --> done' },
	{ start: 4000, end: 4001, text: '   ' },
];

describe('subtitles', () => {
	it('formats cue times', () => {
		expect(formatTimestamp(0, ',')).toBe('00:00:00,000');
		expect(formatTimestamp(3661.042, '.')).toBe('01:01:01.042');
		expect(formatTimestamp(59.9996, ',')).toBe('00:01:00,000');
	});

	it('writes SRT: numbered cues, comma milliseconds, no blank line inside a cue, empty segments left out', () => {
		expect(toSrt(segments)).toBe('1\n00:00:00,000 --> 00:00:02,500\nHello there.\n\n2\n01:01:01,042 --> 01:01:03,900\nAn hour <later> & on\ntwo lines --> done\n');
	});

	it('writes WebVTT with a header and escaped cue text', () => {
		expect(toVtt(segments)).toBe('WEBVTT\n\n00:00:00.000 --> 00:00:02.500\nHello there.\n\n01:01:01.042 --> 01:01:03.900\nAn hour &lt;later&gt; &amp; on\ntwo lines --&gt; done\n');
	});

	it('writes plain text one segment per line', () => {
		expect(toPlainText(segments)).toBe('Hello there.\nAn hour <later> & on two lines --> done');
	});
});
