/**
 * The server stack both baselines share, set up the way the Bot Framework samples do it: one restify 11 server with
 * the body parser, one CloudAdapter, POST /api/messages -> adapter.process, plus GET /healthz.
 *
 * Authentication is OFF: ConfigurationBotFrameworkAuthentication with no MicrosoftAppId means incoming requests
 * are not JWT-checked and outgoing calls to the activity's serviceUrl carry no token. Benchmark use only, on
 * loopback; never expose a server started this way.
 *
 * Environment: PORT (0 = any free port), HOST (default 127.0.0.1). Prints exactly one line to stdout when it
 * listens: "listening on http://<host>:<port>". No other logging; a failed turn writes one line to stderr.
 */
import restify from 'restify';
import { CloudAdapter, ConfigurationBotFrameworkAuthentication, type TurnContext } from 'botbuilder';

export interface RunnableBot {
  run(context: TurnContext): Promise<void>;
}

export interface ServeOptions {
  /** Called on a failed turn after the error line is written (the peer clears its conversation state here). */
  onTurnError?: (context: TurnContext, error: unknown) => Promise<void>;
  /** Called once on SIGTERM/SIGINT after the server stopped accepting requests (close the store here). */
  onClose?: () => void | Promise<void>;
}

export function createAdapter(): CloudAdapter {
  // No MicrosoftAppId/MicrosoftAppPassword: the SDK's "authentication disabled" mode (what the Emulator uses).
  return new CloudAdapter(new ConfigurationBotFrameworkAuthentication({}));
}

export async function serve(name: string, bot: RunnableBot, adapter: CloudAdapter, options: ServeOptions = {}): Promise<restify.Server> {
  adapter.onTurnError = async (context, error) => {
    process.stderr.write(`${name}: turn failed: ${error instanceof Error ? error.message : String(error)}\n`);
    if (options.onTurnError) await options.onTurnError(context, error);
    await context.sendActivity('Sorry, something went wrong. Please try again.');
  };

  const server = restify.createServer({ name, handleUncaughtExceptions: false });
  server.use(restify.plugins.bodyParser());

  server.get('/healthz', (_req, res, next) => {
    res.send(200, { ok: true });
    next();
  });

  server.post('/api/messages', async (req, res) => {
    await adapter.process(req, res, (context) => bot.run(context));
  });

  const port = Number(process.env.PORT ?? 3978);
  const host = process.env.HOST ?? '127.0.0.1';
  await new Promise<void>((resolve) => {
    server.listen(port, host, () => resolve());
  });
  process.stdout.write(`listening on http://${host}:${server.address().port}\n`);

  let closing = false;
  const shutdown = () => {
    if (closing) return;
    closing = true;
    // A client that never closes its keep-alive connection must not keep the process up.
    const force = setTimeout(() => process.exit(0), 3000);
    force.unref();
    server.close(() => {
      void Promise.resolve(options.onClose?.()).finally(() => process.exit(0));
    });
    server.server.closeIdleConnections();
  };
  process.on('SIGTERM', shutdown);
  process.on('SIGINT', shutdown);
  return server;
}
