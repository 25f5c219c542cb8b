/**
 * Rendering a scripted reply to the Responses stream events the binary reads (pure).
 *
 * @internal
 */
import type { EventData, OutputItem, Phase, Reply, Usage } from "../FakeModelScript.ts"

/** One event to send, after a pause. */
export interface TimedEvent {
  readonly delayMs: number
  readonly data: EventData
}

/** Splits `text` into `count` non-empty pieces (fewer if the text is shorter). */
export const splitDeltas = (text: string, count: number): ReadonlyArray<string> => {
  const chars = Array.from(text)
  const pieces = Math.min(Math.max(0, Math.floor(count)), chars.length)
  return Array.from(
    { length: pieces },
    (_, i) =>
      chars.slice(Math.floor((chars.length * i) / pieces), Math.floor((chars.length * (i + 1)) / pieces)).join("")
  )
}

const now = (data: EventData): TimedEvent => ({ delayMs: 0, data })
const after = (delayMs: number, data: EventData): TimedEvent => ({ delayMs, data })

const usageJson = (usage: Usage) => ({
  input_tokens: usage.inputTokens,
  input_tokens_details: { cached_tokens: usage.cachedInputTokens },
  output_tokens: usage.outputTokens,
  output_tokens_details: { reasoning_tokens: usage.reasoningOutputTokens },
  total_tokens: usage.inputTokens + usage.outputTokens
})

const messageJson = (id: string, phase: Phase | undefined, status: string, content: ReadonlyArray<unknown>) => ({
  type: "message",
  role: "assistant",
  id,
  status,
  content,
  ...(phase === undefined ? {} : { phase })
})

const textDelta = (itemId: string, outputIndex: number, delta: string): EventData => ({
  type: "response.output_text.delta",
  item_id: itemId,
  output_index: outputIndex,
  content_index: 0,
  delta
})

const renderItem = (item: OutputItem, outputIndex: number, suffix: string): ReadonlyArray<TimedEvent> => {
  const output_index = outputIndex
  switch (item._tag) {
    case "Message": {
      const id = item.id ?? `msg_${suffix}`
      return [
        now({ type: "response.output_item.added", output_index, item: messageJson(id, item.phase, "in_progress", []) }),
        ...splitDeltas(item.text, item.deltas).map((delta) => after(item.delayMs, textDelta(id, output_index, delta))),
        after(item.delayMs, {
          type: "response.output_item.done",
          output_index,
          item: messageJson(id, item.phase, "completed", [{ type: "output_text", text: item.text, annotations: [] }])
        })
      ]
    }
    case "Reasoning": {
      const id = item.id ?? `rs_${suffix}`
      return [
        now({ type: "response.output_item.added", output_index, item: { type: "reasoning", id, summary: [] } }),
        ...item.summary.flatMap((text, summary_index) => [
          now({
            type: "response.reasoning_summary_part.added",
            item_id: id,
            output_index,
            summary_index,
            part: { type: "summary_text", text: "" }
          }),
          ...splitDeltas(text, item.deltas).map((delta) =>
            after(item.delayMs, {
              type: "response.reasoning_summary_text.delta",
              item_id: id,
              output_index,
              summary_index,
              delta
            })
          )
        ]),
        after(item.delayMs, {
          type: "response.output_item.done",
          output_index,
          item: { type: "reasoning", id, summary: item.summary.map((text) => ({ type: "summary_text", text })) }
        })
      ]
    }
    case "FunctionCall":
      return [now({
        type: "response.output_item.done",
        output_index,
        item: {
          type: "function_call",
          id: item.id ?? `fc_${suffix}`,
          call_id: item.callId ?? `call_${suffix}`,
          name: item.name,
          arguments: item.arguments
        }
      })]
    case "CustomToolCall":
      return [now({
        type: "response.output_item.done",
        output_index,
        item: {
          type: "custom_tool_call",
          id: item.id ?? `ctc_${suffix}`,
          call_id: item.callId ?? `call_${suffix}`,
          name: item.name,
          input: item.input
        }
      })]
  }
}

/** The message of the `response.failed` sent when the script is empty. */
export const unscriptedMessage = (requestIndex: number): string =>
  `FakeModel: no scripted response left (request #${requestIndex})`

/**
 * The events a reply produces for the request numbered `requestIndex` (1-based). Ids are
 * deterministic: `resp_<n>`, and per item `msg_<n>`, `rs_<n>`, `fc_<n>`/`call_<n>` (with
 * `_<outputIndex>` appended after the first item). `HttpError` has no events.
 */
export const render = (reply: Reply, requestIndex: number): ReadonlyArray<TimedEvent> => {
  const responseId = `resp_${requestIndex}`
  switch (reply._tag) {
    case "Respond": {
      const id = reply.id ?? responseId
      return [
        now({ type: "response.created", response: { id } }),
        ...reply.items.flatMap((item, i) => renderItem(item, i, i === 0 ? `${requestIndex}` : `${requestIndex}_${i}`)),
        now({ type: "response.completed", response: { id, usage: usageJson(reply.usage) } })
      ]
    }
    case "Fail":
      return [
        now({ type: "response.created", response: { id: responseId } }),
        now({
          type: "response.failed",
          response: { id: responseId, error: { code: reply.code, message: reply.message } }
        })
      ]
    case "Stall": {
      const id = reply.id ?? `msg_${requestIndex}`
      return [
        now({ type: "response.created", response: { id: responseId } }),
        now({
          type: "response.output_item.added",
          output_index: 0,
          item: messageJson(id, undefined, "in_progress", [])
        }),
        ...splitDeltas(reply.text, reply.deltas).map((delta) => now(textDelta(id, 0, delta)))
      ]
    }
    case "Raw":
      return reply.events.map((data, i) => after(i === 0 ? 0 : reply.delayMs, data))
    case "HttpError":
      return []
  }
}
