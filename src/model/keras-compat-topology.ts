/**
 * Repairs, before tfjs-layers deserializes it, what tensorflowjs_converter writes for Keras 2.x
 * models but tfjs-layers cannot read (tensorflow/tfjs#7271): a TFOpLambda layer's inbound_nodes
 * come one list level short, [["re_lu", 0, 0, {"y": 3.0}]] instead of
 * [[["re_lu", 0, 0, {"y": 3.0}]]], and tfjs-layers then loops forever looking for a layer named
 * "r". Any layer whose inbound_nodes start with a layer name gets the missing level; nested
 * models (a Sequential inside a Functional) are repaired too. The input is not modified.
 */
import type * as tf from '@tensorflow/tfjs-core';

type Json = Record<string, unknown>;

const isObject = (v: unknown): v is Json => typeof v === 'object' && v !== null && !Array.isArray(v);

/** True when some layer needed repair (then `layers` was rewritten in place on the copy). */
function repairLayers(config: unknown): boolean {
  if (!isObject(config) || !Array.isArray(config.layers)) return false;
  let changed = false;
  for (const layer of config.layers as unknown[]) {
    if (!isObject(layer)) continue;
    const nodes = layer.inbound_nodes;
    if (Array.isArray(nodes) && nodes.length > 0 && Array.isArray(nodes[0]) && typeof nodes[0][0] === 'string') {
      layer.inbound_nodes = nodes.map((n) => [n]);
      changed = true;
    }
    if (isObject(layer.config) && repairLayers(layer.config)) changed = true;
  }
  return changed;
}

/** The model.json with Keras-converter quirks repaired (the same object when there were none). */
export function repairKerasTopology(modelJSON: tf.io.ModelJSON): tf.io.ModelJSON {
  const copy = structuredClone(modelJSON);
  const topology = copy.modelTopology as Json | undefined;
  if (!isObject(topology)) return modelJSON;
  // Old converters wrap the model as {model_config: {class_name, config}}, newer ones do not.
  const model = isObject(topology.model_config) ? topology.model_config : topology;
  return repairLayers(model.config) ? copy : modelJSON;
}
