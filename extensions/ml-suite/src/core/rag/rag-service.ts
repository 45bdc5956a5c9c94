import { ForbiddenError, InvalidPayloadError, isMlError, NotConfiguredError, PayloadTooLargeError } from '../errors.js';
import { RAG_GROUNDING_RULES } from '../prompts/default-prompts.js';
import type { ChatMessage, ChatModel, ChatResult, ProviderCallUsage } from '../providers/types.js';
import type { AskResponse, Citation, RagStreamEvent, RagUsage } from '../../shared/rag-types.js';
import type { UsedPassage } from './build-context.js';
import { citationsFor } from './citations.js';
import { extractiveAnswer, NO_ANSWER_TEXT, type ExtractiveAnswer } from './extractive-answer.js';
import { planMessages, type PlanMessagesInput } from './plan-messages.js';
import type { RagPassage, RagRequest, RagServiceDeps, RagServiceOptions } from './types.js';

type Plan =
	| { kind: 'extractive'; result: ExtractiveAnswer; retrieved: number; notices: string[] }
	| {
			kind: 'generative';
			model: ChatModel;
			messages: ChatMessage[];
			used: UsedPassage[];
			maxTokens: number;
			temperature: number;
			promptTokens: number;
			retrieved: number;
			notices: string[];
	  };

/**
 * Question answering over indexed content. With a chat model: retrieve, fit passages and
 * history into the model's window, generate a grounded answer, cite the passages it refers
 * to. Without one: quote the best supporting sentences (`mode: 'extractive'`).
 */
export class RagService<Caller extends object> {
	readonly #deps: RagServiceDeps<Caller>;
	readonly #options: Required<RagServiceOptions>;

	constructor(deps: RagServiceDeps<Caller>) {
		this.#deps = deps;
		this.#options = {
			maxQuestionLength: 4000,
			defaultLimit: 5,
			maxLimit: 50,
			answerReserveTokens: 1024,
			minContextTokens: 1024,
			promptName: 'rag',
			temperature: 0.2,
			...deps.options,
		};
	}

	async answer(request: RagRequest<Caller>): Promise<AskResponse> {
		const started = Date.now();
		const plan = await this.#prepare(request);
		if (plan.kind === 'extractive') {
			const { answer, citations } = plan.result;
			return { answer, mode: 'extractive', citations, model: null, usage: idleUsage(started), notices: plan.notices, retrieved: plan.retrieved };
		}
		const callStarted = Date.now();
		let result: ChatResult;
		try {
			result = await plan.model.complete({ messages: plan.messages, maxTokens: plan.maxTokens, temperature: plan.temperature, signal: request.signal });
		} catch (error) {
			report(request, plan.model, { inputTokens: plan.promptTokens, outputTokens: 0, latencyMs: Date.now() - callStarted }, error);
			throw error;
		}
		report(request, plan.model, result.usage);
		return {
			answer: result.content,
			mode: 'generative',
			citations: citationsFor(plan.used, result.content),
			model: plan.model.modelId,
			usage: result.usage,
			notices: plan.notices,
			retrieved: plan.retrieved,
		};
	}

	/**
	 * Streams `token`* → `citations` → `usage` → `done`. Any failure, before or during
	 * generation, becomes one `error` event that ends the stream; it never throws.
	 */
	async *stream(request: RagRequest<Caller>): AsyncGenerator<RagStreamEvent, void, undefined> {
		const started = Date.now();
		let plan: Plan;
		try {
			plan = await this.#prepare(request);
		} catch (error) {
			this.#deps.onStreamError?.(error);
			yield errorEvent(error, request.signal);
			return;
		}

		if (plan.kind === 'extractive') {
			const { sentences, citations, answer } = plan.result;
			if (sentences.length === 0) yield { type: 'token', text: answer };
			for (const [i, s] of sentences.entries()) yield { type: 'token', text: `${i > 0 ? ' ' : ''}${s.text} [${s.n}]` };
			yield { type: 'citations', citations };
			yield { type: 'usage', usage: idleUsage(started), model: null };
			yield { type: 'done', mode: 'extractive', notices: plan.notices, retrieved: plan.retrieved };
			return;
		}

		let text = '';
		let usage: RagUsage | undefined;
		const callStarted = Date.now();
		try {
			const events = plan.model.stream({ messages: plan.messages, maxTokens: plan.maxTokens, temperature: plan.temperature, signal: request.signal });
			for await (const event of events) {
				if (event.type === 'delta') {
					if (event.text === '') continue;
					text += event.text;
					yield { type: 'token', text: event.text };
				} else {
					usage = event.usage;
				}
			}
		} catch (error) {
			this.#deps.onStreamError?.(error);
			report(request, plan.model, { inputTokens: plan.promptTokens, outputTokens: this.#deps.estimateTokens(text), latencyMs: Date.now() - callStarted }, error);
			yield errorEvent(error, request.signal);
			return;
		}
		// Some compatible servers send no usage in streams; an estimate beats reporting zero.
		const finalUsage = usage ?? { inputTokens: plan.promptTokens, outputTokens: this.#deps.estimateTokens(text), latencyMs: Date.now() - callStarted };
		report(request, plan.model, finalUsage);
		const citations: Citation[] = citationsFor(plan.used, text);
		yield { type: 'citations', citations };
		yield { type: 'usage', usage: finalUsage, model: plan.model.modelId };
		yield { type: 'done', mode: 'generative', notices: plan.notices, retrieved: plan.retrieved };
	}

	async #prepare(request: RagRequest<Caller>): Promise<Plan> {
		const question = request.question.trim();
		if (question === '') throw new InvalidPayloadError('"question" must not be empty.', { field: 'question' });
		if (question.length > this.#options.maxQuestionLength) {
			throw new PayloadTooLargeError(`"question" is ${question.length} characters long; at most ${this.#options.maxQuestionLength} are accepted.`, {
				field: 'question',
				limit: this.#options.maxQuestionLength,
			});
		}

		let chat = request.extractive ? null : await this.#resolveModel(request.model);
		const notices: string[] = [];
		if (chat && request.mayUseModel && !(await request.mayUseModel(chat.model))) {
			if (request.model) {
				throw new ForbiddenError(`You may not use the model "${request.model}": your role cannot read it in ml_models. Leave "model" out to get an extractive answer.`);
			}
			notices.push(`Answered extractively: your role may not use the chat model "${chat.model.modelId}" (an administrator can grant read access to it in ml_models).`);
			chat = null;
		}
		const limit = Math.min(Math.max(1, Math.floor(request.limit ?? this.#options.defaultLimit)), this.#options.maxLimit);

		if (!chat) {
			const passages = await this.#retrieve(request, question, limit);
			return { kind: 'extractive', result: extractiveAnswer(question, passages), retrieved: passages.length, notices };
		}

		const system = request.systemPrompt?.trim() ? `${request.systemPrompt.trim()}\n\n${RAG_GROUNDING_RULES}` : (chat.prompt.systemPrompt ?? RAG_GROUNDING_RULES);
		const maxTokens = Math.max(1, Math.min(request.maxTokens ?? this.#options.answerReserveTokens, chat.model.maxOutputTokens));
		// Refuse an oversized question before paying for retrieval.
		planMessages({ ...this.#planBase(question, system, chat.prompt.template, chat.model, maxTokens), history: [], passages: [] });

		const passages = await this.#retrieve(request, question, limit);
		if (passages.length === 0) {
			notices.push(NO_READABLE_PASSAGE_NOTICE);
			return { kind: 'extractive', result: extractiveAnswer(question, []), retrieved: 0, notices };
		}
		const planned = planMessages({
			...this.#planBase(question, system, chat.prompt.template, chat.model, maxTokens),
			history: request.history ?? [],
			passages,
		});
		if (planned.used.length === 0) {
			// Nothing to ground an answer on: calling the model would only invite a made-up answer.
			notices.push(`None of the ${passages.length} retrieved passages fits the model's context window, so no model was called.`);
			return { kind: 'extractive', result: extractiveAnswer(question, []), retrieved: passages.length, notices };
		}
		if (planned.droppedHistory > 0) {
			notices.push(`Dropped the ${planned.droppedHistory} oldest message(s) of the conversation history to fit the model's context window.`);
		}
		if (planned.used.length < passages.length) {
			notices.push(`Used ${planned.used.length} of ${passages.length} retrieved passages to fit the model's context window.`);
		}
		return {
			kind: 'generative',
			model: chat.model,
			messages: planned.messages,
			used: planned.used,
			maxTokens,
			temperature: request.temperature ?? this.#options.temperature,
			promptTokens: planned.promptTokens,
			retrieved: passages.length,
			notices,
		};
	}

	/**
	 * Retrieval with the request's caller spread in, so permissions apply. A hit whose readable
	 * text is empty (every content field hidden from the caller) is no passage: it is dropped.
	 */
	async #retrieve(request: RagRequest<Caller>, question: string, limit: number): Promise<RagPassage[]> {
		const hits = await this.#deps.retrieve({
			...request.caller,
			query: question,
			indexes: request.indexes,
			mode: request.mode ?? 'hybrid',
			limit,
			filter: request.filter,
			signal: request.signal,
		});
		return hits.filter((passage) => passage.content.trim() !== '');
	}

	#planBase(question: string, systemPrompt: string, template: string, model: ChatModel, answerTokens: number): Omit<PlanMessagesInput, 'history' | 'passages'> {
		return {
			question,
			systemPrompt,
			template,
			contextWindow: model.contextWindow,
			answerTokens,
			minContextTokens: this.#options.minContextTokens,
			estimateTokens: this.#deps.estimateTokens,
		};
	}

	/** The requested model (which must exist), else the prompt's model, else the default one; null = extractive. */
	async #resolveModel(requested: string | undefined): Promise<{ model: ChatModel; prompt: { systemPrompt: string | null; template: string } } | null> {
		if (requested) {
			const model = await this.#deps.getChatModel(requested);
			if (!model) {
				throw new NotConfiguredError(`Chat model "${requested}" is not available. Configure it in Content → ML suite → Models, or set ML_CHAT_PROVIDER and ML_CHAT_MODEL.`, {
					model: requested,
				});
			}
			return { model, prompt: await this.#deps.prompts.getActive(this.#options.promptName) };
		}
		const fallback = await this.#deps.getChatModel();
		if (!fallback) return null;
		const prompt = await this.#deps.prompts.getActive(this.#options.promptName);
		const preferred = prompt.model ? await this.#deps.getChatModel(prompt.model) : null;
		return { model: preferred ?? fallback, prompt };
	}
}

function report<C extends object>(request: RagRequest<C>, model: ChatModel, usage: ProviderCallUsage, error?: unknown): void {
	const failure = error === undefined ? {} : request.signal?.aborted ? { error, cancelled: true } : { error };
	request.onProviderCall?.({ provider: model.provider, model: model.modelId, usage, ...failure });
}

function idleUsage(started: number): RagUsage {
	return { inputTokens: 0, outputTokens: 0, latencyMs: Date.now() - started };
}

function errorEvent(error: unknown, signal: AbortSignal | undefined): Extract<RagStreamEvent, { type: 'error' }> {
	if (signal?.aborted) return { type: 'error', message: 'The request was cancelled.', code: 'ABORTED', status: 499 };
	if (isMlError(error)) return { type: 'error', message: error.message, code: error.code, status: error.status };
	return { type: 'error', message: 'The answer could not be generated.', code: 'INTERNAL_SERVER_ERROR', status: 500 };
}

/** The notice of an answer given without a model because no passage the caller may read matched. */
export const NO_READABLE_PASSAGE_NOTICE = 'No indexed passage you can read matched the question, so no model was called.';

export { NO_ANSWER_TEXT };
