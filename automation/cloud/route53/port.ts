/** Route 53 (global control plane, answers from us-east-1): the failover record pair and health checks. */
import type { CallOptions } from "../call-options";

/** A failover record's designation. */
export type FailoverDesignation = "PRIMARY" | "SECONDARY";
/** What a Route 53 health check reports. */
export type HealthCheckVerdict = "healthy" | "unhealthy";
/** Record type of the failover records. */
export type FailoverRecordType = "CNAME" | "A" | "AAAA";

export interface FailoverRecord {
  setIdentifier: string;
  failover: FailoverDesignation;
  /** CNAME target (the site's ALB hostname). */
  value: string;
  healthCheckId?: string;
}

/** The record to make PRIMARY: its set identifier, and the health check it must carry as PRIMARY. */
export type PrimaryRecordChoice = string | { setIdentifier: string; healthCheckId?: string };

export const primaryChoice = (p: PrimaryRecordChoice): { setIdentifier: string; healthCheckId?: string } => (typeof p === "string" ? { setIdentifier: p } : p);

export interface Route53Port {
  getFailoverRecords(hostedZoneId: string, hostname: string, opts?: CallOptions): Promise<FailoverRecord[]>;
  /**
   * One atomic change batch making `primary` PRIMARY and the other record SECONDARY. The new
   * PRIMARY carries `primary.healthCheckId` when given (else the check it has); the new SECONDARY
   * keeps its own.
   */
  setPrimaryRecord(hostedZoneId: string, hostname: string, primary: PrimaryRecordChoice, opts?: CallOptions): Promise<void>;
  healthCheckStatus(healthCheckId: string, opts?: CallOptions): Promise<HealthCheckVerdict>;
}
