import { status } from '@grpc/grpc-js';
import { describe, expect, it } from 'vitest';
import { GrpcStatus, grpcStatusName } from './grpc-status';

describe('GrpcStatus', () => {
  it('has the numbers and names of grpc-js', () => {
    const fromGrpcJs = Object.fromEntries(
      Object.entries(status).filter(([name]) => Number.isNaN(Number(name))),
    );
    expect(GrpcStatus).toEqual(fromGrpcJs);
  });

  it('names a code, and says so when it does not know it', () => {
    expect(grpcStatusName(14)).toBe('UNAVAILABLE');
    expect(grpcStatusName(99)).toBe('code 99');
  });
});
