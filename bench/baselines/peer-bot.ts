/**
 * Baseline "peer": the Nottingham City CSE procedure written the way an ordinary Bot Framework developer would
 * (botbuilder-dialogs waterfall + prompts, ConversationState over a Storage), on the same server stack as the real
 * bot (restify 11 + CloudAdapter, authentication off) and with the same SQLite durability (WAL, synchronous=FULL).
 *
 * Start: PORT=0 HOST=127.0.0.1 DATA_DIR=<folder> node --import tsx bench/baselines/peer-bot.ts
 * State: ${DATA_DIR}/peer.sqlite (DATA_DIR defaults to <tmpdir>/peer-bot). Every message turn reads the
 * conversation's state from the Storage once and writes it back once (conversationState.saveChanges).
 * Driving script: see nottingham-dialog.ts.
 */
import { mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ActivityHandler, ConversationState, type TurnContext } from 'botbuilder';
import type { DialogState } from 'botbuilder-dialogs';
import { createAdapter, serve } from './serve';
import { SqliteStorage } from './sqlite-storage';
import { NottinghamDialog, type Referral } from './nottingham-dialog';

class PeerBot extends ActivityHandler {
  constructor(
    private readonly conversationState: ConversationState,
    dialog: NottinghamDialog,
  ) {
    super();
    const dialogState = conversationState.createProperty<DialogState>('DialogState');
    this.onMessage(async (context, next) => {
      await dialog.run(context, dialogState);
      await next();
    });
  }

  /** Saves the conversation state after every turn, whatever the handlers did. */
  override async run(context: TurnContext): Promise<void> {
    await super.run(context);
    await this.conversationState.saveChanges(context, false);
  }
}

function main(): Promise<unknown> {
  const dataDir = process.env.DATA_DIR || join(tmpdir(), 'peer-bot');
  mkdirSync(dataDir, { recursive: true });
  const storage = new SqliteStorage(join(dataDir, 'peer.sqlite'));
  const conversationState = new ConversationState(storage);
  const dialog = new NottinghamDialog(conversationState.createProperty<Referral>('lastReferral'));
  const bot = new PeerBot(conversationState, dialog);
  return serve('peer-bot', bot, createAdapter(), {
    // As the samples do: a failed turn drops the conversation's state so the next message starts clean.
    onTurnError: async (context) => {
      await conversationState.delete(context);
    },
    onClose: () => storage.close(),
  });
}

main().catch((e: unknown) => {
  process.stderr.write(`peer-bot: cannot start: ${e instanceof Error ? e.stack : String(e)}\n`);
  process.exit(1);
});
