/**
 * What passes through `execute_tool` besides the result (SPEC §8, §12): progress notifications
 * (which also keep the call's timeout alive), the caller's cancellation, a downstream
 * `tools/list_changed`, and the `max_output_chars` cut.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { CallToolResult } from '@modelcontextprotocol/client';
import { fixtureServer, startGateway, structured, type RunningGateway } from './harness.ts';
import { errorCode, execute, textOf, waitUntil } from './live-helpers.ts';

describe('pass-through inside execute_tool', () => {
  let gateway: RunningGateway;
  let eventDir: string;
  let eventLog: string;

  before(async () => {
    eventDir = await mkdtemp(join(tmpdir(), 'gateway-live-events-'));
    eventLog = join(eventDir, 'events.jsonl');
    gateway = await startGateway({
      servers: {
        tools: fixtureServer('multi-tool', ['--name', 'tools'], { env: { FIXTURE_EVENT_LOG: eventLog } }),
        capped: fixtureServer('multi-tool', ['--name', 'capped'], { max_output_chars: 50 }),
        quiet: fixtureServer('slow', ['--delay-ms', '1500']),
      },
    });
  });
  after(async () => {
    await gateway.close();
    await rm(eventDir, { recursive: true, force: true });
  });

  function callWith(
    args: Record<string, unknown>,
    options: Parameters<RunningGateway['client']['callTool']>[1],
  ): Promise<CallToolResult> {
    return gateway.client.callTool({ name: 'execute_tool', arguments: args }, options);
  }

  it('forwards downstream progress to a caller that sent a progress token', async () => {
    const updates: { progress: number; total?: number; message?: string }[] = [];
    const result = await callWith(
      { server: 'tools', tool: 'sleep', args: { ms: 600 } },
      { onprogress: (update) => updates.push(update) },
    );
    assert.equal(textOf(result), 'slept 600 ms');
    assert.ok(updates.length >= 3, `only ${updates.length} progress notifications arrived`);
    assert.equal(updates.at(-1)?.total, 600);
    assert.match(updates.at(-1)?.message ?? '', /^slept \d+ of 600 ms$/);
  });

  it('keeps a call alive past its timeout while progress flows to a caller that watches it', async () => {
    const args = { server: 'tools', tool: 'sleep', args: { ms: 1500 }, timeout_ms: 400 };
    const [watched, unwatched] = await Promise.all([
      callWith(args, { onprogress: () => {} }),
      callWith(args, {}),
    ]);
    assert.equal(textOf(watched), 'slept 1500 ms');
    // Without a progress token no progress is asked for: the caller's deadline holds.
    assert.equal(errorCode(unwatched), 'TIMEOUT');
  });

  it('times out a call that reports no progress', async () => {
    const result = await execute(gateway, 'quiet', 'slow', {}, { timeout_ms: 300 });
    assert.equal(errorCode(result), 'TIMEOUT');
  });

  it("forwards the caller's cancellation to the downstream request", async () => {
    const controller = new AbortController();
    const pending = callWith(
      { server: 'tools', tool: 'sleep', args: { ms: 10_000 } },
      { signal: controller.signal },
    );
    setTimeout(() => controller.abort('changed my mind'), 300);
    await assert.rejects(pending);
    const event = await waitUntil('the fixture to record the cancellation', async () => {
      const text = await readFile(eventLog, 'utf8').catch(() => '');
      return text
        .split('\n')
        .filter(Boolean)
        .map((line) => JSON.parse(line) as { event: string; tool: string; server: string })
        .find((entry) => entry.event === 'cancelled');
    });
    assert.deepEqual([event.tool, event.server], ['sleep', 'tools']);
    assert.equal(textOf(await execute(gateway, 'tools', 'echo', { text: 'still here' })), 'still here');
  });

  it('refreshes the cached tool list on notifications/tools/list_changed', async () => {
    const toolNames = async () => {
      const result = await gateway.call('get_server_tools', { server: 'tools' });
      return structured<{ tools: { name: string }[] }>(result).tools.map((tool) => tool.name);
    };
    assert.ok(!(await toolNames()).includes('late_tool'));
    assert.equal(
      textOf(await execute(gateway, 'tools', 'add_tool', { name: 'late_tool' })),
      'added tool late_tool',
    );
    assert.ok((await toolNames()).includes('late_tool'));
    assert.equal(textOf(await execute(gateway, 'tools', 'late_tool', { text: 'hi' })), 'late_tool: hi');
  });

  it('cuts text beyond max_output_chars with a notice, and removes oversized structuredContent', async () => {
    const long = 'x'.repeat(100);
    const result = await execute(gateway, 'capped', 'echo', { text: long });
    assert.equal(result.isError, undefined);
    assert.equal(result.structuredContent, undefined);
    assert.equal(result.content.length, 2);
    assert.deepEqual(result.content[0], { type: 'text', text: 'x'.repeat(50) });
    const notice = result.content[1];
    assert.ok(notice?.type === 'text');
    assert.match(notice.text, /max_output_chars \(50\) of server "capped"/);
    assert.match(notice.text, /showing 50 of 100 characters/);
    assert.match(notice.text, /structuredContent \(\d+ characters as JSON\) was removed/);
  });

  it('leaves results within max_output_chars, binary blocks included, exactly as sent', async () => {
    const [capped, uncapped] = await Promise.all([
      execute(gateway, 'capped', 'rich'),
      execute(gateway, 'tools', 'rich'),
    ]);
    assert.deepEqual(capped, uncapped);
    const short = await execute(gateway, 'capped', 'echo', { text: 'short' });
    assert.deepEqual(short.content, [{ type: 'text', text: 'short' }]);
    assert.deepEqual(short.structuredContent, { text: 'short' });
  });
});
