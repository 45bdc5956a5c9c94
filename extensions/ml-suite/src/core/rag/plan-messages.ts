import type { ChatMessage } from '../providers/types.js';
import { MlError, PayloadTooLargeError } from '../errors.js';
import { renderTemplate, templateVariables } from '../prompts/render-template.js';
import type { RagHistoryMessage } from '../../shared/rag-types.js';
import { buildContext, type UsedPassage } from './build-context.js';
import type { RagPassage } from './types.js';

/** Tokens a chat format adds per message (role markers), and once per request (reply priming). */
const PER_MESSAGE_TOKENS = 4;
const PER_REQUEST_TOKENS = 3;

export interface PlanMessagesInput {
	question: string;
	systemPrompt: string;
	/** User message template; `{{context}}` and `{{question}}` are filled in (added when absent). */
	template: string;
	history: readonly RagHistoryMessage[];
	passages: readonly RagPassage[];
	/** The model's context window, in tokens. */
	contextWindow: number;
	/** Tokens reserved for the answer. */
	answerTokens: number;
	/** Context tokens protected from history (older turns are dropped first). */
	minContextTokens: number;
	estimateTokens: (text: string) => number;
}

export interface PlannedMessages {
	messages: ChatMessage[];
	used: UsedPassage[];
	/** History turns dropped (oldest first) to fit. */
	droppedHistory: number;
	/** Estimated prompt tokens. */
	promptTokens: number;
}

/**
 * Fits a RAG prompt into the model's window: system prompt, question and the answer reserve
 * must fit or the request is refused; then the newest history turns that leave
 * `minContextTokens` free; then as many passages as the rest allows.
 * @throws PayloadTooLargeError when the question alone does not fit.
 */
export function planMessages(input: PlanMessagesInput): PlannedMessages {
	const estimate = input.estimateTokens;
	const template = ensureSlots(input.template);
	const userMessage = (context: string): string => {
		try {
			return renderTemplate(template, { context, question: input.question });
		} catch (error) {
			throw new MlError(`The RAG prompt template uses variables other than {{context}} and {{question}}: ${(error as Error).message}`, {
				code: 'PROMPT_INVALID',
				status: 500,
				cause: error,
			});
		}
	};

	const fixed =
		estimate(input.systemPrompt) + estimate(userMessage('')) + input.answerTokens + 2 * PER_MESSAGE_TOKENS + PER_REQUEST_TOKENS;
	const available = input.contextWindow - fixed;
	if (available < 0) {
		throw new PayloadTooLargeError(
			`The question does not fit in the model's context window (${input.contextWindow} tokens, of which ${input.answerTokens} are reserved for the answer). Shorten the question.`,
			{ field: 'question', contextWindow: input.contextWindow, neededTokens: fixed },
		);
	}

	const historyBudget = Math.max(0, available - input.minContextTokens);
	const kept: ChatMessage[] = [];
	let historyTokens = 0;
	for (let i = input.history.length - 1; i >= 0; i--) {
		const turn = input.history[i];
		if (!turn || turn.content.trim() === '') continue;
		const cost = estimate(turn.content) + PER_MESSAGE_TOKENS;
		if (historyTokens + cost > historyBudget) break;
		historyTokens += cost;
		kept.unshift({ role: turn.role, content: turn.content });
	}
	const nonEmpty = input.history.filter((t) => t.content.trim() !== '').length;

	const context = buildContext(input.passages, { budgetTokens: available - historyTokens, estimateTokens: estimate });
	const messages: ChatMessage[] = [{ role: 'system', content: input.systemPrompt }, ...kept, { role: 'user', content: userMessage(context.text) }];
	return {
		messages,
		used: context.used,
		droppedHistory: nonEmpty - kept.length,
		promptTokens: fixed - input.answerTokens + historyTokens + context.tokens,
	};
}

/** A stored template may omit a slot; the context and question must still reach the model. */
function ensureSlots(template: string): string {
	const used = templateVariables(template);
	let out = template;
	if (!used.includes('context')) out = `{{context}}\n\n${out}`;
	if (!used.includes('question')) out = `${out}\n\nQuestion: {{question}}`;
	return out;
}
