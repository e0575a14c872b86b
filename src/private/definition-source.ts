import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { IResolvable, Token, Tokenization } from 'aws-cdk-lib';
import * as s3deploy from 'aws-cdk-lib/aws-s3-deployment';
import { Construct } from 'constructs';

/** A definition as JSON text with markers, and the CloudFormation value of each marker. */
export interface MarkedDefinition {
  readonly text: string;
  readonly markers: Record<string, any>;
}

/**
 * A source for aws-s3-deployment's BucketDeployment: one JSON file, the definition, whose CloudFormation values are
 * markers that the deployment's handler replaces at deploy time, JSON-escaped (`markersConfig.jsonEscape`), the
 * mechanism of `Source.jsonData`. Unlike `Source.jsonData`, each distinct value gets one marker however often it
 * occurs (the handler replaces every occurrence), so that a definition that names the role in a thousand steps
 * renders in linear time and carries one marker for the role, not a thousand.
 */
export function definitionSource(fileName: string, rendered: MarkedDefinition): s3deploy.ISource {
  return {
    bind(scope: Construct, context?: s3deploy.DeploymentSourceContext): s3deploy.SourceConfig {
      const { text, markers } = rendered;
      const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'pipeline-definition-'));
      try {
        fs.writeFileSync(path.join(dir, fileName), text);
        const asset = s3deploy.Source.asset(dir).bind(scope, context);
        return { bucket: asset.bucket, zipObjectKey: asset.zipObjectKey, markers, markersConfig: { jsonEscape: true } };
      } finally {
        fs.rmSync(dir, { recursive: true, force: true });
      }
    },
  };
}

/**
 * The definition as JSON text with a marker for each distinct CloudFormation value: inside strings where the value
 * is part of a string, bare where a whole value is one (a CloudFormation number).
 */
export function renderWithMarkers(definition: any): MarkedDefinition {
  const markers: Record<string, any> = {};
  const byToken = new Map<string, string>();
  let count = 0;
  const markerFor = (key: string, value: any): string => {
    let marker = byToken.get(key);
    if (marker === undefined) {
      marker = `<<marker:0xbaba:${count++}>>`;
      byToken.set(key, marker);
      markers[marker] = value;
    }
    return marker;
  };
  // Whole values that are tokens (a number token, an IResolvable) are written as a quoted placeholder first and
  // made bare markers after, since JSON.stringify cannot write a bare marker.
  const bare: string[] = [];
  const json = JSON.stringify(definition, (_key, value) => {
    if ((typeof value === 'number' || (value !== null && typeof value === 'object')) && Token.isUnresolved(value)) {
      bare.push(markerFor(`bare:${bare.length}`, value as IResolvable | number));
      return `<<bare:0xbaba:${bare.length - 1}>>`;
    }
    return value;
  });
  let text = Tokenization.reverseString(json).mapTokens({ mapToken: (token) => markerFor(token.toString(), token) }).join({
    join: (left: any, right: any) => `${left}${right}`,
  });
  text = text.replace(/"<<bare:0xbaba:(\d+)>>"/g, (_m: string, i: string) => bare[Number(i)]);
  return { text: String(text), markers };
}
