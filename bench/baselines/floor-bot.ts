/**
 * Baseline "floor": a bare echo bot on the same server stack as the real bot (restify 11 + botbuilder CloudAdapter,
 * authentication off). No engine, no store, no state: what the stack alone costs per turn.
 *
 * Start: PORT=0 HOST=127.0.0.1 node --import tsx bench/baselines/floor-bot.ts
 * One reply per message activity: "echo: <text>". Other activity types get no reply.
 */
import { ActivityHandler } from 'botbuilder';
import { createAdapter, serve } from './serve';

class EchoBot extends ActivityHandler {
  constructor() {
    super();
    this.onMessage(async (context, next) => {
      await context.sendActivity(`echo: ${context.activity.text ?? ''}`);
      await next();
    });
  }
}

serve('floor-bot', new EchoBot(), createAdapter()).catch((e: unknown) => {
  process.stderr.write(`floor-bot: cannot start: ${e instanceof Error ? e.stack : String(e)}\n`);
  process.exit(1);
});
