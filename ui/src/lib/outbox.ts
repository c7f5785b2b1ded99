// Sending files the page holds (a paste, an HTML drop) and change notices for the open thread.
import { backend, type MessageView } from "./backend";
import { fileBytes, pastedName } from "./files";

/** Sends each file as an attachment, in order; the first failure stops and is thrown. */
export async function sendBlobs(topic: string, files: File[], replyTo: string | null): Promise<MessageView[]> {
  const sent: MessageView[] = [];
  for (const f of files) {
    const data = await fileBytes(f);
    sent.push(await backend.sendAttachment({ topic, filename: pastedName(f), mime_type: f.type || "application/octet-stream", data, reply_to: replyTo }));
  }
  return sent;
}

/** The files of a paste or drop (clipboard images may come only as items). */
export function filesOf(dt: DataTransfer | null): File[] {
  if (!dt) return [];
  const files = Array.from(dt.files ?? []);
  if (files.length > 0) return files;
  return Array.from(dt.items ?? [])
    .filter((i) => i.kind === "file")
    .map((i) => i.getAsFile())
    .filter((f): f is File => f !== null);
}

/**
 * Messages that changed (reactions, read marks, downloads), for the thread that shows them: one
 * message by id, or `null` when the peer read further (the newest page's read marks changed).
 */
export class ChangeFeed {
  private listeners = new Set<(topic: string, id: string | null) => void>();
  listen(f: (topic: string, id: string | null) => void): () => void {
    this.listeners.add(f);
    return () => this.listeners.delete(f);
  }
  emit(topic: string, id: string | null): void {
    for (const f of this.listeners) f(topic, id);
  }
}
