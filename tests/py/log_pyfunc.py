"""Write a store the way a user of MLflow 3 does: a run that logs a pyfunc model with
`mlflow.pyfunc.log_model` (a LoggedModel with its artifacts, the run's output link) registered
under a name, and a metric logged against the model.

    python log_pyfunc.py NAME      (the store is MLFLOW_TRACKING_URI; NAME names the experiment
                                    and the registered model)
"""
import sys

import mlflow
import mlflow.pyfunc


class Echo(mlflow.pyfunc.PythonModel):
    def predict(self, context, model_input):
        return model_input


name = sys.argv[1]
mlflow.set_experiment(name)
with mlflow.start_run(run_name="pyfunc"):
    mlflow.log_param("alpha", "0.5")
    info = mlflow.pyfunc.log_model(
        name="model", python_model=Echo(), registered_model_name=name, pip_requirements=[]
    )
    mlflow.log_metric("rmse", 0.25, step=1, model_id=info.model_id)
print(info.model_id)
