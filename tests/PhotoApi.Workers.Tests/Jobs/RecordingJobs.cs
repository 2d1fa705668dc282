using Hangfire;
using Hangfire.Common;
using Hangfire.States;

namespace PhotoApi.Workers.Tests.Jobs;

/// <summary>Records what a job enqueues, and on which queue, instead of sending it to Hangfire.</summary>
internal sealed class RecordingJobs : IBackgroundJobClient
{
    public List<(Job Job, string? Queue)> Created { get; } = [];

    public string Create(Job job, IState state)
    {
        Created.Add((job, job.Queue));
        return Created.Count.ToString(System.Globalization.CultureInfo.InvariantCulture);
    }

    public bool ChangeState(string jobId, IState state, string expectedState) => true;
}
