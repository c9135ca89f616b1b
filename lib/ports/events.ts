import type { Topology } from "../topology.ts";

export type Attributes = Record<string, string>;

export interface OutgoingMessage {
  data: Buffer;
  attributes?: Attributes;
}

export interface ReceivedMessage {
  /** Handle for ack/nack of this delivery; a redelivery gets a new one. */
  ackId: string;
  messageId: string;
  data: Buffer;
  attributes: Attributes;
  publishTime: Date;
  /** 1 on first delivery; counts like Pub/Sub's delivery_attempt on a subscription with a dead-letter policy. */
  deliveryAttempt: number;
}

/**
 * The events port: Pub/Sub semantics. Topic and subscription names are the logical names of the
 * topology; adapters map them to deployed names. Delivery is at least once.
 */
export interface EventBus {
  /** Creates what the topology declares and does not exist yet. Safe to repeat. */
  ensureTopology(topology: Topology): Promise<void>;
  /** Publishes and resolves to the message id once the message is durable. */
  publish(topic: string, message: OutgoingMessage): Promise<string>;
  /** Leases up to `max` available messages for the subscription's ack deadline. */
  pull(subscription: string, max: number): Promise<ReceivedMessage[]>;
  ack(subscription: string, ackIds: string[]): Promise<void>;
  /** Gives messages back for redelivery after the subscription's retry backoff. */
  nack(subscription: string, ackIds: string[]): Promise<void>;
  /** Extends (or with 0 ends) the lease of delivered messages. */
  modifyAckDeadline(subscription: string, ackIds: string[], seconds: number): Promise<void>;
  close(): Promise<void>;
}

/** Attributes Pub/Sub adds when it forwards a message to a dead-letter topic. */
export const DEAD_LETTER_ATTRIBUTES = {
  sourceSubscription: "CloudPubSubDeadLetterSourceSubscription",
  sourceSubscriptionProject: "CloudPubSubDeadLetterSourceSubscriptionProject",
  sourceTopicPublishTime: "CloudPubSubDeadLetterSourceTopicPublishTime",
  sourceDeliveryCount: "CloudPubSubDeadLetterSourceDeliveryCount",
} as const;
