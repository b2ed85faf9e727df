// gRPC MoveRequest → the files service's MoveSpec, with HTTP PATCH's rules: exactly one of
// `name` and `destination` (proto3 strings: "" means unset), a destination that is absolute.
import { moveDestination } from '../files/move-target.js';
import type { MoveSpec } from '../files/ports.js';
import type { MoveRequest__Output } from '../generated/callfs/v1/MoveRequest.js';

export function moveSpecOf(source: string, r: MoveRequest__Output): MoveSpec {
  return {
    destination: moveDestination(source, {
      name: r.name === '' ? undefined : r.name,
      destination: r.destination === '' ? undefined : r.destination,
    }),
    overwrite: r.overwrite,
    create_parents: r.create_parents,
    instance: r.instance,
    backend: r.backend,
  };
}
