from locust import HttpUser, SequentialTaskSet, task


class Flow(SequentialTaskSet):
    @task
    def first(self):
        self.client.get("/orders")


class MyUser(HttpUser):
    tasks = [Flow]
