import { type ClientConfig, PubSub, type protos, type Topic, v1 } from "@google-cloud/pubsub";
import { ConfigError, RETRYABLE_GRPC_CODES, TransientError } from "../../errors.ts";
import type { Attributes, EventBus, OutgoingMessage, ReceivedMessage } from "../../ports/events.ts";
import type { SubscriptionSpec, Topology } from "../../topology.ts";

type ReceivedProto = protos.google.pubsub.v1.IReceivedMessage;
type TimestampProto = protos.google.protobuf.ITimestamp;
type SubscriberClientOptions = ConstructorParameters<typeof v1.SubscriberClient>[0];

export interface PubSubEventBusOptions {
  projectId: string;
  /** Deployed names are `<prefix>-<logical name>`. */
  prefix: string;
  /**
   * Passed to the clients as is. Leave empty for Google Cloud (the official endpoint is then set
   * explicitly, so no environment variable can redirect it); use `emulatorClientOptions` for the
   * emulator.
   */
  clientOptions?: ClientConfig;
  /**
   * How long a pull waits for messages when none are available before it resolves empty
   * (synchronous pull long-polls). Default 2000 ms.
   */
  pullWaitMs?: number;
}

/**
 * Client options that point at a Pub/Sub emulator (`host:port`) without any environment variable.
 * The universe domain is stated so that the auth library never asks the metadata server for it.
 */
export function emulatorClientOptions(host: string): ClientConfig {
  return { apiEndpoint: host, emulatorMode: true, universeDomain: "googleapis.com" };
}

/** gRPC status codes this adapter tells apart. */
const GRPC = { DEADLINE_EXCEEDED: 4, NOT_FOUND: 5, ALREADY_EXISTS: 6 } as const;
/** Pub/Sub's limits per request (ack ids are long; stay well under the 512 KB request size). */
const MAX_ACK_IDS_PER_REQUEST = 1000;
const MAX_MESSAGES_PER_PULL = 1000;

function grpcCode(error: unknown): number | undefined {
  const code = (error as { code?: unknown } | null)?.code;
  return typeof code === "number" ? code : undefined;
}

function timestampToDate(timestamp: TimestampProto | null | undefined): Date {
  const seconds = Number(timestamp?.seconds ?? 0);
  const nanos = timestamp?.nanos ?? 0;
  return new Date(seconds * 1000 + Math.floor(nanos / 1e6));
}

function chunks<T>(items: T[], size: number): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += size) out.push(items.slice(i, i + size));
  return out;
}

/**
 * The events port on Google Cloud Pub/Sub with the official client. Publishing goes through the
 * library's batching publisher; pulling uses the synchronous Pull API (v1.SubscriberClient), so that
 * leases, acks and nacks behave exactly as the port and the local broker describe. Clients are made
 * on first use.
 *
 * ensureTopology creates missing topics and pull subscriptions (with ack deadline, retry policy,
 * dead-letter policy and retention) and leaves existing ones as they are: in the cloud, terraform
 * owns them and attaches push delivery to the functions.
 */
export class PubSubEventBus implements EventBus {
  readonly projectId: string;
  readonly prefix: string;
  readonly #clientOptions: ClientConfig;
  readonly #pullWaitMs: number;
  #clients: { pubsub: PubSub; subscriber: v1.SubscriberClient } | undefined;
  readonly #topics = new Map<string, Topic>();

  constructor(options: PubSubEventBusOptions) {
    if (!options.projectId) throw new ConfigError("PubSubEventBus needs a projectId");
    if (!/^[a-z][a-z0-9-]*$/.test(options.prefix)) {
      throw new ConfigError(
        `PubSubEventBus prefix ${JSON.stringify(options.prefix)} is not a valid name prefix`,
      );
    }
    this.projectId = options.projectId;
    this.prefix = options.prefix;
    const client = options.clientOptions ?? {};
    const explicitEndpoint = client.apiEndpoint !== undefined || client.servicePath !== undefined;
    this.#clientOptions = explicitEndpoint ? client : { ...client, apiEndpoint: "pubsub.googleapis.com" };
    this.#pullWaitMs = options.pullWaitMs ?? 2000;
  }

  /** `<prefix>-<logical>`: the name of the topic or subscription in the project. */
  deployedName(logical: string): string {
    return `${this.prefix}-${logical}`;
  }

  topicPath(logical: string): string {
    return `projects/${this.projectId}/topics/${this.deployedName(logical)}`;
  }

  subscriptionPath(logical: string): string {
    return `projects/${this.projectId}/subscriptions/${this.deployedName(logical)}`;
  }

  async ensureTopology(topology: Topology): Promise<void> {
    const { pubsub, subscriber } = this.#connect();
    for (const topic of topology.topics) {
      await ignoreAlreadyExists(pubsub.createTopic(this.deployedName(topic.name)));
    }
    for (const spec of topology.subscriptions) {
      await ignoreAlreadyExists(
        subscriber.createSubscription(this.#subscriptionResource(spec, topology.message_retention_seconds)),
      );
    }
  }

  async publish(topic: string, message: OutgoingMessage): Promise<string> {
    try {
      return await this.#topic(topic).publishMessage({
        data: message.data,
        attributes: message.attributes ?? {},
      });
    } catch (error) {
      throw this.#translate(error, `publish to topic ${topic} (${this.topicPath(topic)})`);
    }
  }

  async pull(subscription: string, max: number): Promise<ReceivedMessage[]> {
    const { subscriber } = this.#connect();
    try {
      const [response] = await subscriber.pull(
        {
          subscription: this.subscriptionPath(subscription),
          maxMessages: Math.min(max, MAX_MESSAGES_PER_PULL),
        },
        { timeout: this.#pullWaitMs },
      );
      return (response.receivedMessages ?? []).map(toReceivedMessage);
    } catch (error) {
      // The long poll ran out with nothing to deliver.
      if (grpcCode(error) === GRPC.DEADLINE_EXCEEDED) return [];
      throw this.#translate(
        error,
        `pull from subscription ${subscription} (${this.subscriptionPath(subscription)})`,
      );
    }
  }

  async ack(subscription: string, ackIds: string[]): Promise<void> {
    const { subscriber } = this.#connect();
    for (const batch of chunks(ackIds, MAX_ACK_IDS_PER_REQUEST)) {
      try {
        await subscriber.acknowledge({ subscription: this.subscriptionPath(subscription), ackIds: batch });
      } catch (error) {
        throw this.#translate(error, `ack on subscription ${subscription}`);
      }
    }
  }

  async nack(subscription: string, ackIds: string[]): Promise<void> {
    await this.modifyAckDeadline(subscription, ackIds, 0);
  }

  async modifyAckDeadline(subscription: string, ackIds: string[], seconds: number): Promise<void> {
    const { subscriber } = this.#connect();
    for (const batch of chunks(ackIds, MAX_ACK_IDS_PER_REQUEST)) {
      try {
        await subscriber.modifyAckDeadline({
          subscription: this.subscriptionPath(subscription),
          ackIds: batch,
          ackDeadlineSeconds: seconds,
        });
      } catch (error) {
        throw this.#translate(error, `modifyAckDeadline(${seconds}) on subscription ${subscription}`);
      }
    }
  }

  async close(): Promise<void> {
    const clients = this.#clients;
    this.#clients = undefined;
    this.#topics.clear();
    if (!clients) return;
    await clients.pubsub.close();
    await clients.subscriber.close();
  }

  #connect(): { pubsub: PubSub; subscriber: v1.SubscriberClient } {
    if (!this.#clients) {
      const pubsub = new PubSub({ ...this.#clientOptions, projectId: this.projectId });
      // The PubSub object has resolved the endpoint (and the emulator's insecure credentials) into
      // its options; the low-level client gets the same, exactly as the library builds its own. (The
      // two option types differ only in which google-auth-library version they were declared with.)
      const subscriber = new v1.SubscriberClient({ ...pubsub.options } as SubscriberClientOptions);
      this.#clients = { pubsub, subscriber };
    }
    return this.#clients;
  }

  #topic(logical: string): Topic {
    let topic = this.#topics.get(logical);
    if (!topic) {
      // Batch what is published in the same few milliseconds into one request.
      topic = this.#connect().pubsub.topic(this.deployedName(logical), {
        batching: { maxMessages: 500, maxMilliseconds: 5 },
      });
      this.#topics.set(logical, topic);
    }
    return topic;
  }

  #subscriptionResource(
    spec: SubscriptionSpec,
    retentionSeconds: number,
  ): protos.google.pubsub.v1.ISubscription {
    return {
      name: this.subscriptionPath(spec.name),
      topic: this.topicPath(spec.topic),
      ackDeadlineSeconds: spec.ack_deadline_seconds ?? 10,
      messageRetentionDuration: { seconds: retentionSeconds },
      ...(spec.retry
        ? {
            retryPolicy: {
              minimumBackoff: { seconds: spec.retry.minimum_backoff_seconds },
              maximumBackoff: { seconds: spec.retry.maximum_backoff_seconds },
            },
          }
        : {}),
      ...(spec.dead_letter_topic
        ? {
            deadLetterPolicy: {
              deadLetterTopic: this.topicPath(spec.dead_letter_topic),
              maxDeliveryAttempts: spec.max_delivery_attempts ?? 5,
            },
          }
        : {}),
    };
  }

  /** Names what failed; NOT_FOUND is a deployment problem, retryable codes are transient. */
  #translate(error: unknown, what: string): Error {
    const code = grpcCode(error);
    const detail = error instanceof Error ? error.message : String(error);
    if (code === GRPC.NOT_FOUND) {
      return new ConfigError(`${what} failed: it does not exist (${detail})`, { cause: error });
    }
    if (code !== undefined && RETRYABLE_GRPC_CODES.has(code)) {
      return new TransientError(`${what} failed: ${detail}`, { cause: error });
    }
    return error instanceof Error ? error : new Error(`${what} failed: ${detail}`);
  }
}

async function ignoreAlreadyExists(creation: Promise<unknown>): Promise<void> {
  try {
    await creation;
  } catch (error) {
    if (grpcCode(error) !== GRPC.ALREADY_EXISTS) throw error;
  }
}

function toReceivedMessage(received: ReceivedProto): ReceivedMessage {
  const message = received.message ?? {};
  const data = message.data;
  return {
    ackId: received.ackId ?? "",
    messageId: message.messageId ?? "",
    data: typeof data === "string" ? Buffer.from(data, "base64") : Buffer.from(data ?? new Uint8Array()),
    attributes: { ...(message.attributes ?? {}) } as Attributes,
    publishTime: timestampToDate(message.publishTime),
    // Pub/Sub counts attempts only on subscriptions with a dead-letter policy and sends 0 elsewhere;
    // there every delivery reads 1, the first one Pub/Sub can vouch for.
    deliveryAttempt: Math.max(1, received.deliveryAttempt ?? 0),
  };
}
