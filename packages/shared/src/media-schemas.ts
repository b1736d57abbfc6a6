import { z } from 'zod';

/**
 * Bounded shapes of the mediasoup objects that travel through signalling.
 * Loose objects: mediasoup validates the details itself; these bound sizes and
 * reject garbage before it reaches the worker.
 */
const shortString = z.string().max(256);
const paramValue = z.union([z.string().max(256), z.number(), z.boolean()]);
const codecParameters = z.record(z.string().max(64), paramValue).refine((r) => Object.keys(r).length <= 32, {
  message: 'too many codec parameters',
});
const rtcpFeedback = z.array(z.looseObject({ type: shortString, parameter: shortString.optional() })).max(16);

export const rtpCodecCapabilitySchema = z.looseObject({
  kind: z.enum(['audio', 'video']),
  mimeType: shortString,
  clockRate: z.number().int().positive(),
  channels: z.number().int().positive().max(8).optional(),
  preferredPayloadType: z.number().int().min(0).max(127).optional(),
  parameters: codecParameters.optional(),
  rtcpFeedback: rtcpFeedback.optional(),
});

export const rtpCapabilitiesSchema = z.looseObject({
  codecs: z.array(rtpCodecCapabilitySchema).max(64).optional(),
  headerExtensions: z.array(z.looseObject({ uri: shortString })).max(64).optional(),
});

export const dtlsParametersSchema = z.looseObject({
  role: z.enum(['auto', 'client', 'server']).optional(),
  fingerprints: z
    .array(z.looseObject({ algorithm: shortString, value: z.string().max(512) }))
    .min(1)
    .max(8),
});

export const rtpParametersSchema = z.looseObject({
  mid: z.string().max(32).optional(),
  codecs: z
    .array(
      z.looseObject({
        mimeType: shortString,
        payloadType: z.number().int().min(0).max(127),
        clockRate: z.number().int().positive(),
        channels: z.number().int().positive().max(8).optional(),
        parameters: codecParameters.optional(),
        rtcpFeedback: rtcpFeedback.optional(),
      }),
    )
    .min(1)
    .max(16),
  headerExtensions: z
    .array(z.looseObject({ uri: shortString, id: z.number().int().min(1).max(255) }))
    .max(32)
    .optional(),
  encodings: z.array(z.looseObject({ ssrc: z.number().int().nonnegative().optional() })).max(8).optional(),
  rtcp: z.looseObject({ cname: z.string().max(256).optional() }).optional(),
});
