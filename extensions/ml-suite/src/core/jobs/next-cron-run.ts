import { CronExpressionParser } from 'cron-parser';
import { InvalidPayloadError } from '../errors.js';
import { failureMessage } from './job-failure.js';

/** Next run of a cron pattern after `now` (ms); an `InvalidPayloadError` for a bad pattern. */
export function nextCronRun(pattern: string, now: number): number {
	try {
		return CronExpressionParser.parse(pattern, { currentDate: new Date(now) }).next().getTime();
	} catch (error) {
		throw new InvalidPayloadError(`Invalid cron pattern "${pattern}".`, { field: 'repeat.pattern', reason: failureMessage(error) });
	}
}
