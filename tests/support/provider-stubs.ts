/**
 * Local stand-ins for the delivery providers (issue 12), on 127.0.0.1 with a port of the OS's
 * choosing, each recording every hit: Aliyun SMS (verifies the ACS3-HMAC-SHA256 signature the SDK
 * sends), Tencent SMS (verifies TC3-HMAC-SHA256), a robot receiver (WeCom, DingTalk with 加签, our
 * signed webhook; enforces ROBOT_MESSAGES_PER_MINUTE) and an SMTP server. Faults are queued and
 * taken by the next matching requests: an error answer, a hang past the client's timeout, and
 * accept-then-reset (the request is recorded, then the socket destroyed without an answer).
 */
import { createHash, createHmac, randomUUID, timingSafeEqual } from 'node:crypto';
import http from 'node:http';
import type net from 'node:net';
import type { AddressInfo } from 'node:net';
import { simpleParser } from 'mailparser';
import { SMTPServer } from 'smtp-server';
import { ROBOT_MESSAGES_PER_MINUTE } from '../../domain/delivery.js';

const sha256Hex = (data: string | Buffer) => createHash('sha256').update(data).digest('hex');
const hmac = (key: string | Buffer, data: string) => createHmac('sha256', key).update(data, 'utf8').digest();

function sameText(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}

/** A queue of faults: each entry serves the next `times` matching requests. */
class Faults<F> {
  private queue: { fault: F; left: number }[] = [];
  add(fault: F, times = 1): void {
    this.queue.push({ fault, left: times });
  }
  take(): F | undefined {
    const head = this.queue[0];
    if (!head) return undefined;
    if (--head.left <= 0) this.queue.shift();
    return head.fault;
  }
  clear(): void {
    this.queue = [];
  }
}

type SocketFault = { kind: 'hang' } | { kind: 'reset' };

/** An HTTP server that remembers its sockets (a hung request must not keep close() waiting). */
async function listen(handler: (req: http.IncomingMessage, res: http.ServerResponse, body: Buffer) => void | Promise<void>) {
  const sockets = new Set<net.Socket>();
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      Promise.resolve(handler(req, res, Buffer.concat(chunks))).catch((error: unknown) => {
        res.statusCode = 500;
        res.end(String(error));
      });
    });
  });
  server.on('connection', (socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;
  return {
    port,
    close: async () => {
      for (const socket of sockets) socket.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

function json(res: http.ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  res.writeHead(status, { 'content-type': 'application/json;charset=utf-8', ...headers });
  res.end(JSON.stringify(body));
}

/** Applies a socket fault: `reset` destroys the connection unanswered, `hang` never answers. */
function socketFault(res: http.ServerResponse, fault: SocketFault): void {
  if (fault.kind === 'reset') res.socket?.destroy();
}

/** yyyyMMdd and "yyyy-MM-dd HH:mm:ss" in Asia/Shanghai (Aliyun's dates are Beijing time). */
function shanghai(at: Date): { day: string; stamp: string } {
  const p = Object.fromEntries(
    new Intl.DateTimeFormat('en-CA', {
      timeZone: 'Asia/Shanghai',
      year: 'numeric',
      month: '2-digit',
      day: '2-digit',
      hour: '2-digit',
      minute: '2-digit',
      second: '2-digit',
      hourCycle: 'h23',
    })
      .formatToParts(at)
      .map((x) => [x.type, x.value]),
  );
  return { day: `${p.year}${p.month}${p.day}`, stamp: `${p.year}-${p.month}-${p.day} ${p.hour}:${p.minute}:${p.second}` };
}

// --- Aliyun SMS -------------------------------------------------------------------------------

export interface AliyunSend {
  phone: string;
  outId: string | undefined;
  signName: string | undefined;
  templateCode: string | undefined;
  params: Record<string, string>;
  bizId: string;
  /** Beijing date (yyyyMMdd) by the stub's clock. */
  sendDate: string;
  sentAt: Date;
  /** 1 waiting for the receipt, 2 failed, 3 delivered. */
  status: 1 | 2 | 3;
  errCode: string;
}

export type AliyunFault = { kind: 'error'; code: string; status?: number; message?: string } | SocketFault;

/** RFC 3986 encoding as Aliyun's V3 signature canonicalises the query (space %20, `~` kept, `*` encoded). */
function acsEncode(value: string): string {
  return encodeURIComponent(value).replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);
}

/**
 * Aliyun's V3 signature (ACS3-HMAC-SHA256), from its published algorithm: CanonicalRequest =
 * method, URI, the sorted encoded query, the signed headers (`name:value\n` each), their names, and
 * the hex SHA-256 of the body; the signature is hex HMAC-SHA256(secret, "ACS3-HMAC-SHA256\n" +
 * hex SHA-256(CanonicalRequest)). Returns the reason it fails, or null.
 */
export function verifyAcs3(
  req: http.IncomingMessage,
  body: Buffer,
  keys: { accessKeyId: string; accessKeySecret: string },
  now: number,
  seenNonces: Set<string>,
): string | null {
  const match = /^ACS3-HMAC-SHA256 Credential=([^,]+),SignedHeaders=([^,]+),Signature=([0-9a-f]{64})$/.exec(req.headers.authorization ?? '');
  if (!match) return 'IncompleteSignature';
  const [, credential, signedHeaderList, signature] = match as unknown as [string, string, string, string];
  if (credential !== keys.accessKeyId) return 'InvalidAccessKeyId.NotFound';
  const signedHeaders = signedHeaderList.split(';');
  for (const needed of ['host', 'x-acs-action', 'x-acs-content-sha256', 'x-acs-date', 'x-acs-signature-nonce', 'x-acs-version']) {
    if (!signedHeaders.includes(needed)) return 'IncompleteSignature';
  }
  if (req.headers['x-acs-content-sha256'] !== sha256Hex(body)) return 'IncompleteSignature';
  const date = Date.parse(String(req.headers['x-acs-date']));
  if (Number.isNaN(date) || Math.abs(now - date) > 15 * 60_000) return 'InvalidTimeStamp.Expired';
  const nonce = String(req.headers['x-acs-signature-nonce']);
  if (seenNonces.has(nonce)) return 'SignatureNonceUsed';

  const url = new URL(req.url ?? '/', 'http://stub');
  const query = [...url.searchParams.entries()]
    .map(([k, v]) => [acsEncode(k), acsEncode(v)] as const)
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
    .map(([k, v]) => `${k}=${v}`)
    .join('&');
  const canonicalHeaders = signedHeaders.map((name) => `${name}:${String(req.headers[name] ?? '').trim()}\n`).join('');
  const canonicalRequest = [req.method, url.pathname, query, canonicalHeaders, signedHeaderList, sha256Hex(body)].join('\n');
  const expected = createHmac('sha256', keys.accessKeySecret)
    .update(`ACS3-HMAC-SHA256\n${sha256Hex(canonicalRequest)}`)
    .digest('hex');
  if (!sameText(expected, signature)) return 'SignatureDoesNotMatch';
  seenNonces.add(nonce);
  return null;
}

export async function startAliyunSmsStub(options: { accessKeyId: string; accessKeySecret: string; now?: () => Date }) {
  const now = options.now ?? (() => new Date());
  const sends: AliyunSend[] = [];
  const hits: { action: string; signature: 'valid' | string }[] = [];
  const faults = new Faults<AliyunFault>();
  const nonces = new Set<string>();
  let bizSeq = 0;

  const server = await listen((req, res, body) => {
    const action = String(req.headers['x-acs-action'] ?? '');
    const problem = verifyAcs3(req, body, options, Date.now(), nonces);
    hits.push({ action, signature: problem ?? 'valid' });
    const requestId = randomUUID();
    if (problem) {
      // Aliyun's error shape for a signature it refuses.
      return json(res, 400, {
        RequestId: requestId,
        HostId: 'dysmsapi.aliyuncs.com',
        Code: problem,
        Message: 'Specified signature does not match our calculation.',
      });
    }
    const params = Object.fromEntries(new URL(req.url ?? '/', 'http://stub').searchParams);
    if (req.headers['content-type']?.startsWith('application/x-www-form-urlencoded'))
      Object.assign(params, Object.fromEntries(new URLSearchParams(body.toString('utf8'))));

    if (action === 'SendSms') {
      const fault = faults.take();
      if (fault?.kind === 'error') {
        return json(res, fault.status ?? 200, { RequestId: requestId, Code: fault.code, Message: fault.message ?? fault.code });
      }
      const at = now();
      const send: AliyunSend = {
        phone: params.PhoneNumbers ?? '',
        outId: params.OutId,
        signName: params.SignName,
        templateCode: params.TemplateCode,
        params: JSON.parse(params.TemplateParam ?? '{}') as Record<string, string>,
        bizId: `${900000 + ++bizSeq}^0`,
        sendDate: shanghai(at).day,
        sentAt: at,
        status: 1,
        errCode: 'DELIVERED',
      };
      sends.push(send);
      if (fault) return socketFault(res, fault);
      return json(res, 200, { RequestId: requestId, Code: 'OK', Message: 'OK', BizId: send.bizId });
    }

    if (action === 'QuerySendDetails') {
      const pageSize = Number(params.PageSize ?? 10);
      const page = Number(params.CurrentPage ?? 1);
      const matching = sends.filter((s) => s.phone === params.PhoneNumber && s.sendDate === params.SendDate);
      const slice = matching.slice((page - 1) * pageSize, page * pageSize);
      return json(res, 200, {
        RequestId: requestId,
        Code: 'OK',
        Message: 'OK',
        TotalCount: matching.length,
        SmsSendDetailDTOs: {
          SmsSendDetailDTO: slice.map((s) => ({
            PhoneNum: s.phone,
            SendStatus: s.status,
            ErrCode: s.errCode,
            TemplateCode: s.templateCode,
            Content: `【${s.signName}】${s.params.title ?? ''}`,
            SendDate: shanghai(s.sentAt).stamp,
            ReceiveDate: shanghai(s.sentAt).stamp,
            OutId: s.outId,
          })),
        },
      });
    }
    return json(res, 404, { RequestId: requestId, Code: 'InvalidAction.NotFound', Message: 'Specified api is not found' });
  });

  return {
    /** host:port for ALIYUN_SMS_ENDPOINT (with http://). */
    endpoint: `127.0.0.1:${server.port}`,
    sends,
    hits,
    /** The next `times` SendSms calls fail this way (an error is answered; reset/hang record the send first). */
    fault: (fault: AliyunFault, times = 1) => faults.add(fault, times),
    /** A receipt for a recorded send. */
    setStatus: (outId: string, status: 1 | 2 | 3, errCode = status === 2 ? 'MK:0001' : 'DELIVERED') => {
      for (const s of sends) if (s.outId === outId) Object.assign(s, { status, errCode });
    },
    close: server.close,
  };
}

// --- Tencent SMS ------------------------------------------------------------------------------

export interface TencentSend {
  phone: string;
  sessionContext: string | undefined;
  appId: string | undefined;
  signName: string | undefined;
  templateId: string | undefined;
  params: string[];
  serialNo: string;
  sentAt: Date;
  report: 'SUCCESS' | 'FAIL' | null;
}

export type TencentFault =
  /** A per-number refusal in SendStatusSet (HTTP 200). */
  | { kind: 'status'; code: string }
  /** A request-level error in Response.Error (HTTP 200). */
  | { kind: 'error'; code: string }
  | { kind: 'http'; status: number }
  | SocketFault;

/**
 * Tencent Cloud's TC3-HMAC-SHA256, from its published algorithm: CanonicalRequest = method, URI,
 * query, the signed headers (lower-cased `name:value\n`), their names, hex SHA-256 of the payload;
 * StringToSign = algorithm, X-TC-Timestamp, `${date}/${service}/tc3_request`, hex SHA-256 of the
 * CanonicalRequest; the key is HMAC("TC3" + secretKey, date) → service → "tc3_request".
 * Returns an AuthFailure code, or null.
 */
export function verifyTc3(req: http.IncomingMessage, body: Buffer, keys: { secretId: string; secretKey: string }, now: number): string | null {
  const match = /^TC3-HMAC-SHA256 Credential=([^/]+)\/(\d{4}-\d{2}-\d{2})\/([^/]+)\/tc3_request, SignedHeaders=([^,]+), Signature=([0-9a-f]{64})$/.exec(
    req.headers.authorization ?? '',
  );
  if (!match) return 'AuthFailure.InvalidAuthorization';
  const [, secretId, date, service, signedHeaderList, signature] = match as unknown as [string, string, string, string, string, string];
  if (secretId !== keys.secretId) return 'AuthFailure.SecretIdNotFound';
  const timestamp = Number(req.headers['x-tc-timestamp']);
  if (!Number.isInteger(timestamp) || Math.abs(now / 1000 - timestamp) > 300) return 'AuthFailure.SignatureExpire';
  if (new Date(timestamp * 1000).toISOString().slice(0, 10) !== date) return 'AuthFailure.SignatureFailure';
  // The SDK names the service by the endpoint's first label (sms.tencentcloudapi.com → sms).
  if (service !== String(req.headers.host ?? '').split('.')[0]) return 'AuthFailure.SignatureFailure';
  const signedHeaders = signedHeaderList.split(';');
  if (!signedHeaders.includes('host') || !signedHeaders.includes('content-type')) return 'AuthFailure.SignatureFailure';
  const url = new URL(req.url ?? '/', 'http://stub');
  // The SDK signs the host name without the port (Tencent's endpoints have none; the stub's has).
  const headerValue = (name: string) => (name === 'host' ? String(req.headers.host ?? '').replace(/:\d+$/, '') : String(req.headers[name] ?? ''));
  const canonicalHeaders = signedHeaders.map((name) => `${name}:${headerValue(name).trim().toLowerCase()}\n`).join('');
  const canonicalRequest = [req.method, url.pathname, url.search.slice(1), canonicalHeaders, signedHeaderList, sha256Hex(body)].join('\n');
  const scope = `${date}/${service}/tc3_request`;
  const stringToSign = ['TC3-HMAC-SHA256', String(timestamp), scope, sha256Hex(canonicalRequest)].join('\n');
  const signingKey = hmac(hmac(hmac(`TC3${keys.secretKey}`, date), service), 'tc3_request');
  const expected = createHmac('sha256', signingKey).update(stringToSign).digest('hex');
  return sameText(expected, signature) ? null : 'AuthFailure.SignatureFailure';
}

export async function startTencentSmsStub(options: { secretId: string; secretKey: string; now?: () => Date }) {
  const now = options.now ?? (() => new Date());
  const sends: TencentSend[] = [];
  const hits: { action: string; signature: 'valid' | string }[] = [];
  const faults = new Faults<TencentFault>();
  let serialSeq = 0;

  const server = await listen((req, res, body) => {
    const action = String(req.headers['x-tc-action'] ?? '');
    const problem = verifyTc3(req, body, options, Date.now());
    hits.push({ action, signature: problem ?? 'valid' });
    const RequestId = randomUUID();
    if (problem) return json(res, 200, { Response: { Error: { Code: problem, Message: 'The provided credentials could not be validated.' }, RequestId } });
    const request = JSON.parse(body.toString('utf8') || '{}') as Record<string, unknown>;

    if (action === 'SendSms') {
      const fault = faults.take();
      if (fault?.kind === 'http') return json(res, fault.status, {});
      if (fault?.kind === 'error') return json(res, 200, { Response: { Error: { Code: fault.code, Message: fault.code }, RequestId } });
      const phone = String((request.PhoneNumberSet as string[] | undefined)?.[0] ?? '');
      if (fault?.kind === 'status') {
        return json(res, 200, {
          Response: {
            SendStatusSet: [
              { SerialNo: '', PhoneNumber: phone, Fee: 0, SessionContext: request.SessionContext, Code: fault.code, Message: fault.code, IsoCode: 'CN' },
            ],
            RequestId,
          },
        });
      }
      const send: TencentSend = {
        phone,
        sessionContext: request.SessionContext as string | undefined,
        appId: request.SmsSdkAppId as string | undefined,
        signName: request.SignName as string | undefined,
        templateId: request.TemplateId as string | undefined,
        params: (request.TemplateParamSet as string[] | undefined) ?? [],
        serialNo: `2433:${337000 + ++serialSeq}`,
        sentAt: now(),
        report: null,
      };
      sends.push(send);
      if (fault) return socketFault(res, fault);
      return json(res, 200, {
        Response: {
          SendStatusSet: [
            { SerialNo: send.serialNo, PhoneNumber: phone, Fee: 1, SessionContext: send.sessionContext, Code: 'Ok', Message: 'send success', IsoCode: 'CN' },
          ],
          RequestId,
        },
      });
    }

    if (action === 'PullSmsSendStatusByPhoneNumber') {
      const begin = Number(request.BeginTime) * 1000;
      const end = request.EndTime === undefined ? Infinity : Number(request.EndTime) * 1000;
      const set = sends
        .filter(
          (s) => s.phone === request.PhoneNumber && s.appId === request.SmsSdkAppId && s.report && s.sentAt.getTime() >= begin && s.sentAt.getTime() <= end,
        )
        .slice(0, Number(request.Limit ?? 100))
        .map((s) => ({
          UserReceiveTime: Math.floor(s.sentAt.getTime() / 1000) + 5,
          CountryCode: '86',
          SubscriberNumber: s.phone.replace(/^\+86/, ''),
          PhoneNumber: s.phone,
          SerialNo: s.serialNo,
          ReportStatus: s.report,
          Description: s.report === 'SUCCESS' ? 'DELIVRD' : 'MK:0001',
          SessionContext: s.sessionContext,
        }));
      return json(res, 200, { Response: { PullSmsSendStatusSet: set, RequestId } });
    }
    return json(res, 200, { Response: { Error: { Code: 'InvalidAction', Message: 'no such action' }, RequestId } });
  });

  return {
    /** host:port for TENCENT_SMS_ENDPOINT (with http://). */
    endpoint: `127.0.0.1:${server.port}`,
    sends,
    hits,
    fault: (fault: TencentFault, times = 1) => faults.add(fault, times),
    /** A status receipt for a recorded send (until then the pull does not list it). */
    setReport: (sessionContext: string, report: 'SUCCESS' | 'FAIL') => {
      for (const s of sends) if (s.sessionContext === sessionContext) s.report = report;
    },
    close: server.close,
  };
}

// --- Robots and our webhook -------------------------------------------------------------------

export type RobotKind = 'wecom' | 'dingtalk' | 'webhook';

export interface RobotHit {
  kind: RobotKind;
  /** The robot's key / access_token / webhook name. */
  robot: string;
  body: Record<string, unknown>;
  headers: http.IncomingHttpHeaders;
  /** DingTalk's sign or our signature checked out (null: the robot has no secret). */
  signatureValid: boolean | null;
  /** What the receiver answered ('reset' and 'hang' for injected faults). */
  answered: number | 'reset' | 'hang';
}

export type RobotFault = { kind: 'throttle' } | { kind: 'errcode'; errcode: number } | { kind: 'http'; status: number; retryAfter?: string } | SocketFault;

const THROTTLE_ERRCODE = { wecom: 45009, dingtalk: 130101 } as const;

/**
 * One receiver for the three HTTP channels:
 * - WeCom:    POST /cgi-bin/webhook/send?key=KEY
 * - DingTalk: POST /robot/send?access_token=TOKEN[&timestamp=&sign=] (signed when `dingtalkSecrets` has the token)
 * - webhook:  POST /hooks/NAME (secret from `webhookSecrets`)
 */
export async function startRobotReceiver(options: { dingtalkSecrets?: Record<string, string>; webhookSecrets?: Record<string, string> } = {}) {
  const hits: RobotHit[] = [];
  const faults = new Faults<RobotFault>();
  const recent = new Map<string, number[]>();
  const seenDeliveries = new Set<string>();
  const stats = { rateViolations: 0, badSignatures: 0, duplicateDeliveries: 0 };

  /** Whether this robot has taken ROBOT_MESSAGES_PER_MINUTE in the last minute (this one counted if not). */
  const overLimit = (robot: string): boolean => {
    const nowMs = Date.now();
    const times = (recent.get(robot) ?? []).filter((t) => nowMs - t < 60_000);
    const over = times.length >= ROBOT_MESSAGES_PER_MINUTE;
    if (!over) times.push(nowMs);
    recent.set(robot, times);
    if (over) stats.rateViolations++;
    return over;
  };

  const server = await listen((req, res, raw) => {
    const url = new URL(req.url ?? '/', 'http://stub');
    const kind: RobotKind | null =
      url.pathname === '/cgi-bin/webhook/send' ? 'wecom' : url.pathname === '/robot/send' ? 'dingtalk' : url.pathname.startsWith('/hooks/') ? 'webhook' : null;
    if (!kind) return json(res, 404, { errcode: 404, errmsg: 'not found' });
    const robot =
      kind === 'wecom'
        ? (url.searchParams.get('key') ?? '')
        : kind === 'dingtalk'
          ? (url.searchParams.get('access_token') ?? '')
          : url.pathname.slice('/hooks/'.length);
    const text = raw.toString('utf8');
    let body: Record<string, unknown>;
    try {
      body = JSON.parse(text) as Record<string, unknown>;
    } catch {
      body = {};
    }

    let signatureValid: boolean | null = null;
    if (kind === 'dingtalk' && options.dingtalkSecrets?.[robot]) {
      const secret = options.dingtalkSecrets[robot];
      const timestamp = url.searchParams.get('timestamp') ?? '';
      const sign = url.searchParams.get('sign') ?? '';
      const expected = createHmac('sha256', secret).update(`${timestamp}\n${secret}`).digest('base64');
      // DingTalk refuses a timestamp more than an hour from its clock.
      signatureValid = /^\d+$/.test(timestamp) && Math.abs(Date.now() - Number(timestamp)) < 60 * 60_000 && sameText(expected, sign);
    }
    if (kind === 'webhook') {
      const secret = options.webhookSecrets?.[robot] ?? '';
      const timestamp = String(req.headers['x-rectify-timestamp'] ?? '');
      const expected = createHmac('sha256', secret).update(`${timestamp}.${text}`).digest('hex');
      signatureValid =
        secret !== '' &&
        /^\d+$/.test(timestamp) &&
        Math.abs(Date.now() / 1000 - Number(timestamp)) < 300 &&
        sameText(expected, String(req.headers['x-rectify-signature'] ?? ''));
    }

    const hit: RobotHit = { kind, robot, body, headers: req.headers, signatureValid, answered: 200 };
    hits.push(hit);
    if (signatureValid === false) {
      stats.badSignatures++;
      if (kind === 'webhook') {
        hit.answered = 401;
        return json(res, 401, { error: 'bad signature' });
      }
      return json(res, 200, { errcode: 310000, errmsg: 'sign not match' });
    }

    const fault = faults.take();
    if (fault?.kind === 'hang' || fault?.kind === 'reset') {
      hit.answered = fault.kind;
      return socketFault(res, fault);
    }
    if (fault?.kind === 'http') {
      hit.answered = fault.status;
      return json(res, fault.status, { error: 'injected' }, fault.retryAfter ? { 'retry-after': fault.retryAfter } : {});
    }
    if (fault?.kind === 'errcode') return json(res, 200, { errcode: fault.errcode, errmsg: 'injected' });

    if (fault?.kind === 'throttle' || overLimit(`${kind}:${robot}`)) {
      if (kind === 'webhook') {
        hit.answered = 429;
        return json(res, 429, { error: 'too many requests' }, { 'retry-after': '30' });
      }
      return json(res, 200, {
        errcode: THROTTLE_ERRCODE[kind],
        errmsg: kind === 'wecom' ? 'api freq out of limit' : 'send too fast, exceed 20 times per minute',
      });
    }

    if (kind === 'webhook') {
      const delivery = String(req.headers['x-rectify-delivery'] ?? '');
      if (seenDeliveries.has(delivery)) stats.duplicateDeliveries++;
      seenDeliveries.add(delivery);
      return json(res, 200, { ok: true });
    }
    return json(res, 200, { errcode: 0, errmsg: 'ok' });
  });

  const base = `http://127.0.0.1:${server.port}`;
  return {
    base,
    wecomUrl: (key: string) => `${base}/cgi-bin/webhook/send?key=${key}`,
    dingtalkUrl: (token: string) => `${base}/robot/send?access_token=${token}`,
    webhookUrl: (name: string) => `${base}/hooks/${name}`,
    hits,
    stats,
    /** The next `times` requests (any robot) meet this fault; `throttle` answers as a robot over its limit. */
    fault: (fault: RobotFault, times = 1) => faults.add(fault, times),
    close: server.close,
  };
}

// --- SMTP -------------------------------------------------------------------------------------

export interface ReceivedMail {
  from: string | undefined;
  to: string[];
  subject: string | undefined;
  text: string | undefined;
  messageId: string | undefined;
}

export type SmtpFault =
  /** Refuse the message after DATA with this SMTP code (451: try later; 550: never). */
  | { kind: 'reply'; code: number }
  /** Take the whole message, record it, then drop the connection before the final answer. */
  | { kind: 'reset-after-data' }
  /** Take the message and never answer. */
  | { kind: 'hang-after-data' };

/** An SMTP server without auth or TLS; messages parsed with mailparser. */
export async function startSmtpStub() {
  const messages: ReceivedMail[] = [];
  const faults = new Faults<SmtpFault>();
  const sockets = new Map<number, net.Socket>();
  const server = new SMTPServer({
    secure: false,
    authOptional: true,
    disabledCommands: ['AUTH', 'STARTTLS'],
    logger: false,
    onData(stream, session, callback) {
      void simpleParser(stream).then(
        (mail) => {
          messages.push({
            from: mail.from?.value[0]?.address,
            to: session.envelope.rcptTo.map((r) => r.address),
            subject: mail.subject,
            text: mail.text,
            messageId: mail.messageId,
          });
          const fault = faults.take();
          if (fault?.kind === 'reset-after-data') return sockets.get(session.remotePort)?.destroy();
          if (fault?.kind === 'hang-after-data') return;
          if (fault?.kind === 'reply') return callback(Object.assign(new Error('injected'), { responseCode: fault.code }));
          callback();
        },
        (error: Error) => callback(error),
      );
    },
  });
  server.server.on('connection', (socket: net.Socket) => {
    const port = socket.remotePort;
    if (port === undefined) return;
    sockets.set(port, socket);
    socket.on('close', () => sockets.delete(port));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.server.address() as AddressInfo).port;
  return {
    url: `smtp://127.0.0.1:${port}`,
    messages,
    fault: (fault: SmtpFault, times = 1) => faults.add(fault, times),
    close: async () => {
      for (const socket of sockets.values()) socket.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
