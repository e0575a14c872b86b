import { Token } from 'aws-cdk-lib';

/**
 * When a monitor runs: the cron expressions SageMaker Model Monitor accepts for a monitoring schedule (UTC; an execution
 * may start up to 20 minutes after the time), "The cron expression for monitoring schedule",
 * https://docs.aws.amazon.com/sagemaker/latest/dg/model-monitor-schedule-expression.html: every hour
 * `cron(0 * ? * * *)`, daily at an hour `cron(0 H ? * * *)`, every N hours from an hour `cron(0 H/N ? * * *)`.
 */
export class MonitoringScheduleExpression {
  /** Every hour, on the hour: `cron(0 * ? * * *)`. The most frequent schedule SageMaker runs. */
  public static hourly(): MonitoringScheduleExpression {
    return new MonitoringScheduleExpression('cron(0 * ? * * *)');
  }

  /**
   * Every day at an hour (UTC): `cron(0 H ? * * *)`.
   * @param hourUtc 0 to 23
   */
  public static daily(hourUtc: number = 0): MonitoringScheduleExpression {
    checkHour('MonitoringScheduleExpression.daily', 'hourUtc', hourUtc);
    return new MonitoringScheduleExpression(`cron(0 ${hourUtc} ? * * *)`);
  }

  /**
   * Every `hours` hours, starting at an hour (UTC): `cron(0 H/N ? * * *)`.
   * @param hours 1 to 24
   * @param startHourUtc 0 to 23
   */
  public static everyHours(hours: number, startHourUtc: number = 0): MonitoringScheduleExpression {
    if (!Number.isInteger(hours) || hours < 1 || hours > 24) {
      throw new Error(`MonitoringScheduleExpression.everyHours: hours is ${hours}; expected a whole number from 1 to 24 (SageMaker runs a monitor at most hourly)`);
    }
    checkHour('MonitoringScheduleExpression.everyHours', 'startHourUtc', startHourUtc);
    return new MonitoringScheduleExpression(`cron(0 ${startHourUtc}/${hours} ? * * *)`);
  }

  /**
   * A cron expression as SageMaker takes it; one of the forms above, checked here (other forms SageMaker refuses when
   * the schedule is created).
   */
  public static expression(expression: string): MonitoringScheduleExpression {
    if (!Token.isUnresolved(expression) && !FORMS.some((re) => re.test(expression))) {
      throw new Error(`MonitoringScheduleExpression.expression: '${expression}' is not a schedule SageMaker Model Monitor accepts; expected `
        + 'cron(0 * ? * * *) (hourly), cron(0 H ? * * *) (daily at hour H, 0-23) or cron(0 H/N ? * * *) (every N hours, 1-24, from hour H), '
        + 'in UTC; a monitor runs at most hourly');
    }
    return new MonitoringScheduleExpression(expression);
  }

  private constructor(private readonly text: string) {}

  /** The expression, as the schedule's ScheduleExpression. */
  public toString(): string {
    return this.text;
  }
}

const HOUR = '([0-9]|1[0-9]|2[0-3])';
const FORMS = [
  /^cron\(0 \* \? \* \* \*\)$/,
  new RegExp(`^cron\\(0 ${HOUR} \\? \\* \\* \\*\\)$`),
  new RegExp(`^cron\\(0 ${HOUR}/([1-9]|1[0-9]|2[0-4]) \\? \\* \\* \\*\\)$`),
];

function checkHour(where: string, name: string, hour: number): void {
  if (!Number.isInteger(hour) || hour < 0 || hour > 23) {
    throw new Error(`${where}: ${name} is ${hour}; expected a whole hour from 0 to 23 (UTC)`);
  }
}
